/*
 * Basic types and constants of the MantraCore system-call ABI, shared by the
 * kernel and user space.  See docs/abi.md (generated from abi/syscalls.def)
 * for the calls themselves.
 */
#ifndef MANTRA_ABI_TYPES_H
#define MANTRA_ABI_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* A handle names a kernel object in the caller's handle table: bits 0-15
 * are the slot index (slot 0 is never used), bits 16-30 a generation that
 * changes whenever the slot is reused, bit 31 is zero.  Never a pointer. */
typedef uint32_t mt_handle_t;
#define MT_HANDLE_INVALID ((mt_handle_t)0)

/* Every system call returns an mt_status_t: >= 0 on success, or one of the
 * MT_ERR_* codes (abi/include/mantra/errors.h). */
typedef int64_t mt_status_t;

/* Monotonic time in nanoseconds since the kernel started. */
typedef int64_t mt_time_t;
#define MT_TIME_INFINITE ((mt_time_t)INT64_MAX)

/* Rights carried by a handle.  Derivation (duplicate, replace) can only
 * remove rights. */
typedef uint32_t mt_rights_t;
#define MT_RIGHT_READ      (1u << 0)   /* read state or contents */
#define MT_RIGHT_WRITE     (1u << 1)   /* modify contents */
#define MT_RIGHT_MAP       (1u << 2)   /* map a memory object */
#define MT_RIGHT_EXECUTE   (1u << 3)   /* map a memory object executable */
#define MT_RIGHT_DUPLICATE (1u << 4)   /* make another handle to the object */
#define MT_RIGHT_TRANSFER  (1u << 5)   /* give the handle to another process */
#define MT_RIGHT_SIGNAL    (1u << 6)   /* change user signals */
#define MT_RIGHT_WAIT      (1u << 7)   /* wait on the object's signals */
#define MT_RIGHT_MANAGE    (1u << 8)   /* control a task: start, kill,
                                          suspend, read/write thread state */
#define MT_RIGHT_INFO      (1u << 9)   /* query object information */
#define MT_RIGHTS_ALL      0x3ffu
#define MT_RIGHT_SAME      0x80000000u /* duplicate/replace: keep rights */

/* Object types. */
enum mt_obj_type {
	MT_OBJ_NONE = 0,
	MT_OBJ_PROCESS = 1,
	MT_OBJ_THREAD = 2,
	MT_OBJ_ASPACE = 3,      /* address space */
	MT_OBJ_MEMORY = 4,      /* memory object */
	MT_OBJ_DEBUGLOG = 5,    /* kernel debug log */
	MT_OBJ_ENDPOINT = 6,    /* synchronous call/reply (docs/ipc.md) */
	MT_OBJ_CHANNEL = 7,     /* one end of an asynchronous message pipe */
	MT_OBJ_PORT = 8,        /* event queue: waits on many objects */
	MT_OBJ_EVENT = 9,       /* user-signalable object */
	MT_OBJ_RESOURCE = 10,   /* authority over I/O ports or interrupt lines */
	MT_OBJ_IRQ = 11,        /* one bound interrupt line (docs/drivers.md) */
};

/* Signals: bits an object raises; wait with mt_object_wait_one. */
typedef uint32_t mt_signals_t;
#define MT_SIGNAL_TERMINATED (1u << 0) /* process or thread has ended */
#define MT_SIGNAL_FAULTED    (1u << 1) /* thread stopped on a fault */
#define MT_SIGNAL_SUSPENDED  (1u << 2) /* thread is suspended */
#define MT_SIGNAL_RUNNING    (1u << 3) /* thread started and not stopped */
#define MT_SIGNAL_READABLE   (1u << 4) /* channel: a message is queued */
#define MT_SIGNAL_WRITABLE   (1u << 5) /* channel: the peer's queue has room */
#define MT_SIGNAL_PEER_CLOSED (1u << 6) /* channel/endpoint: the other side is gone */
#define MT_SIGNAL_IRQ        (1u << 7) /* IRQ object: the interrupt fired; the
                                          line stays masked until mt_irq_ack */
#define MT_SIGNAL_USER_ALL   (0xffu << 24) /* events: bits user code sets
                                          with mt_object_signal */

/* Mapping protections (mt_vm_map, mt_vm_protect).  WRITE with EXEC is
 * refused: W^X. */
#define MT_PROT_READ  (1u << 0)
#define MT_PROT_WRITE (1u << 1)
#define MT_PROT_EXEC  (1u << 2)
/* mt_vm_map flags */
#define MT_MAP_FIXED  (1u << 8)        /* map exactly at the given address */

/* User address space: [MT_USER_BASE, MT_USER_TOP). */
#define MT_USER_BASE  0x0000000000010000ULL
#define MT_USER_TOP   0x00007ffffffff000ULL
#define MT_PAGE_SIZE  4096u

/* Object information (mt_object_info). */
struct mt_object_info {
	uint64_t koid;          /* kernel object id, unique for the boot */
	uint32_t type;          /* enum mt_obj_type */
	mt_rights_t rights;     /* of the handle queried */
	uint64_t size;          /* memory: bytes; others 0 */
	uint32_t signals;       /* current signals */
	uint32_t handle_count;  /* handles to the object, all processes */
};
_Static_assert(sizeof(struct mt_object_info) == 32, "mt_object_info layout");

/* How a task ended (mt_task_result). */
enum mt_task_state {
	MT_TASK_NEW = 0,
	MT_TASK_RUNNING = 1,
	MT_TASK_EXITED = 2,     /* exit_code valid */
	MT_TASK_KILLED = 3,     /* killed through a handle */
	MT_TASK_FAULTED = 4,    /* killed by an unhandled fault */
};

/* Fault kinds. */
enum mt_fault_kind {
	MT_FAULT_NONE = 0,
	MT_FAULT_PAGE = 1,          /* page fault: unmapped or protection */
	MT_FAULT_GENERAL = 2,       /* general protection */
	MT_FAULT_INVALID_OPCODE = 3,
	MT_FAULT_DIVIDE = 4,
	MT_FAULT_BREAKPOINT = 5,
	MT_FAULT_OTHER = 6,         /* any other exception */
};

struct mt_task_result {
	uint32_t state;         /* enum mt_task_state */
	uint32_t fault;         /* enum mt_fault_kind */
	int64_t exit_code;
	uint64_t fault_addr;    /* page faults: the address touched */
	uint64_t fault_ip;      /* instruction that faulted */
	uint64_t fault_vector;  /* architecture exception number */
	uint64_t fault_error;   /* architecture error code */
};
_Static_assert(sizeof(struct mt_task_result) == 48, "mt_task_result layout");

/* Fault policy of a process (mt_process_set_fault_policy). */
#define MT_FAULT_POLICY_KILL 0  /* default: the process dies, parent told */
#define MT_FAULT_POLICY_STOP 1  /* the thread stops, raising
                                   MT_SIGNAL_FAULTED, for a handler holding
                                   its handle to inspect, fix and resume */

/* Thread state kinds (mt_thread_read_state / mt_thread_write_state). */
#define MT_THREAD_STATE_REGS 1  /* struct mt_thread_regs */

struct mt_thread_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags, fs_base, gs_base;
};
_Static_assert(sizeof(struct mt_thread_regs) == 160, "mt_thread_regs layout");

/* What a process is given at start: rdi of its first thread points here
 * (on its stack).  Handles are in the new process's own table. */
#define MT_STARTUP_MAGIC 0x5055545241544e4dULL   /* "MNTARTUP" */
struct mt_startup {
	uint64_t magic;
	mt_handle_t self_process;
	mt_handle_t self_aspace;
	mt_handle_t bootfs;         /* read-only memory object, or 0 */
	mt_handle_t debuglog;       /* debug-log write capability, or 0 */
	uint64_t bootfs_size;
	uint64_t arg;               /* free for the creator */
	uint64_t memory_allowance;  /* bytes this process may allocate */
	char name[32];
	/* Arguments: the user address of a NUL-terminated line of words
	 * "key=value" separated by spaces (lib/words), on the stack above
	 * the block, or 0.  init gets the kernel command line's init.* words
	 * ("init.seed=7" -> "seed=7"); mt_spawn passes mt_spawn_args.args. */
	uint64_t args;
	/* The process's namespace (idl/namespace.idl): an endpoint handle
	 * through which it looks up the services it was granted, or 0.
	 * MantraInit gives each service one (docs/init.md). */
	mt_handle_t ns;
	/* Hardware resources (docs/drivers.md), or 0: init gets the root
	 * resources (every I/O port, every interrupt line); a driver gets
	 * the ranges its device has, from whoever starts it. */
	mt_handle_t ioports;        /* MT_RESOURCE_IOPORT resource */
	mt_handle_t irqs;           /* MT_RESOURCE_IRQ resource */
	mt_handle_t endpoint;       /* an endpoint to serve (servers), or 0 */
};
_Static_assert(sizeof(struct mt_startup) == 104, "mt_startup layout");

/* ---- IPC (docs/ipc.md) ------------------------------------------------ */

/* Message info word (mt_ipc_call and friends): label, byte count in the
 * IPC buffer, handle count and flags. */
#define MT_IPC_LABEL(info)     ((uint32_t)(info))
#define MT_IPC_LEN(info)       ((uint32_t)((info) >> 32) & 0x1fffu)
#define MT_IPC_NHANDLES(info)  ((uint32_t)((info) >> 48) & 0xfu)
#define MT_IPC_INFO(label, len, nhandles) \
	((uint64_t)(uint32_t)(label) | ((uint64_t)(len) << 32) | \
	 ((uint64_t)(nhandles) << 48))
#define MT_IPC_DUP_HANDLES (1ULL << 56) /* duplicate the handles (if they
                                           have DUPLICATE) instead of moving */
#define MT_IPC_GRANT       (1ULL << 57) /* memory objects sent are unmapped
                                           from the sender (zero-copy grant) */
#define MT_IPC_TIMEOUT     (1ULL << 58) /* honour buffer->deadline */
#define MT_IPC_SLOWPATH    (1ULL << 59) /* never take the fast path (benchmarks) */
#define MT_IPC_FLAGS       (0xfULL << 56)
#define MT_IPC_WORDS       4            /* words carried in registers */
#define MT_IPC_DATA_MAX    4096u        /* bytes in the IPC buffer */
#define MT_IPC_HANDLES_MAX 8u

/* The per-thread IPC buffer (mt_ipc_buffer_set): page-aligned, two pages. */
struct mt_ipc_buffer {
	mt_time_t deadline;                 /* with MT_IPC_TIMEOUT */
	uint64_t reserved;
	mt_handle_t handles[MT_IPC_HANDLES_MAX];
	uint8_t pad[16];
	uint8_t data[MT_IPC_DATA_MAX];
};
_Static_assert(sizeof(struct mt_ipc_buffer) == 4096 + 64, "mt_ipc_buffer layout");
#define MT_IPC_BUFFER_SIZE (2 * MT_PAGE_SIZE)

/* Channels. */
#define MT_CHANNEL_MSG_MAX      65536u  /* bytes per message */
#define MT_CHANNEL_HANDLES_MAX  64u     /* handles per message */
#define MT_CHANNEL_QUEUE_MAX    64u     /* messages queued per direction */
/* channel_read's *actual: bytes | handles << 32 | (messages queued behind
 * this one, at most this) << 48. */
#define MT_CHANNEL_ACTUAL_MORE_MAX 0xffffu

/* Ports. */
#define MT_PORT_ONCE      0u            /* mt_port_watch: one packet */
#define MT_PORT_REPEATING 1u            /* a packet at every match */
#define MT_PORT_PACKET_SIGNAL 1u
#define MT_PORT_PACKET_USER   2u
struct mt_port_packet {
	uint64_t key;                       /* chosen by the watcher/queuer */
	uint32_t type;                      /* MT_PORT_PACKET_* */
	mt_signals_t observed;              /* signal packets: what matched */
	uint64_t user[2];                   /* user packets: payload */
};
_Static_assert(sizeof(struct mt_port_packet) == 32, "mt_port_packet layout");
#define MT_PORT_QUEUE_MAX 256u          /* packets queued per port */

/* Scheduling: priorities 0 (lowest) to 31; passive threads have none of
 * their own and run only on a caller's donated context. */
#define MT_PRIORITY_MIN     0u
#define MT_PRIORITY_DEFAULT 16u
#define MT_PRIORITY_MAX     31u
#define MT_PRIORITY_PASSIVE 0xffu

/* Scheduling classes (mt_thread_set_sched; docs/scheduler.md), highest
 * first: real-time threads always run before normal ones, idle ones only
 * when nothing else can.  A real-time context has a budget of run time
 * per period (nanoseconds, 0 < budget <= period); past it the thread is
 * throttled until the period ends. */
#define MT_SCHED_NORMAL 0u
#define MT_SCHED_RT     1u
#define MT_SCHED_IDLE   2u
#define MT_SCHED_PERIOD_MIN  100000LL           /* 100 us */
#define MT_SCHED_PERIOD_MAX  10000000000LL      /* 10 s */

/* A thread's scheduling state (mt_thread_sched). */
struct mt_thread_sched {
	uint32_t sched_class;       /* MT_SCHED_* of its own context */
	uint32_t priority;          /* of its own context, or MT_PRIORITY_PASSIVE */
	int64_t budget;             /* ns per period (real-time), else 0 */
	int64_t period;
	int64_t runtime;            /* ns run on its own context, ever */
	uint64_t throttled;         /* times its budget ran out */
	uint32_t cpu;               /* the CPU it last ran on */
	uint32_t policy;            /* MT_SCHED_POLICY_* (the boot's sched=) */
};
#define MT_SCHED_POLICY_RR  0u
#define MT_SCHED_POLICY_EDF 1u
_Static_assert(sizeof(struct mt_thread_sched) == 48, "mt_thread_sched layout");

/* ---- Hardware resources (docs/drivers.md) ------------------------------ */

/* What a resource object covers: [base, base + count) of I/O ports or of
 * interrupt lines.  Lines 0-15 are the ISA IRQs (routed through the
 * firmware's interrupt source overrides), lines 16 and up the global
 * system interrupts of the same number. */
#define MT_RESOURCE_IOPORT 1u
#define MT_RESOURCE_IRQ    2u
#define MT_IOPORT_COUNT    0x10000u     /* ports 0..0xffff */
#define MT_IRQ_ISA_LINES   16u          /* lines 0-15: ISA IRQs */
struct mt_resource_info {
	uint32_t kind;              /* MT_RESOURCE_* */
	uint32_t base;
	uint32_t count;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mt_resource_info) == 16, "mt_resource_info layout");

/* Kernel-wide counters (mt_debug_stats), for leak checks in tests. */
struct mt_kernel_stats {
	uint64_t free_frames;
	uint64_t total_frames;
	uint64_t live_objects;      /* kernel objects of every type */
	uint64_t live_threads;
	uint64_t live_processes;
	uint64_t heap_bytes;        /* kmalloc/slab bytes in use */
	uint64_t live_caps;         /* capabilities (handles, in flight, mapped) */
	int64_t idle_ns;            /* time every CPU spent halted, summed */
};
_Static_assert(sizeof(struct mt_kernel_stats) == 64, "mt_kernel_stats layout");

/* A process's kernel-memory quota (mt_process_quota; docs/security.md). */
struct mt_quota_info {
	uint64_t used;              /* bytes charged to it and its children */
	uint64_t limit;             /* its own limit, or 0 if it has none yet */
	uint64_t available;         /* what it can still charge */
	uint32_t carved;            /* 1: limit reserved from its creator's */
	uint32_t reserved;
};
_Static_assert(sizeof(struct mt_quota_info) == 32, "mt_quota_info layout");

/* Limits (explicit, documented in docs/abi.md). */
#define MT_HANDLES_MAX        1024    /* per process */
#define MT_THREADS_MAX        64      /* per process */
#define MT_MAPPINGS_MAX       512     /* per address space */
#define MT_MEMORY_MAX         (1ULL << 30)  /* one memory object */
#define MT_NAME_MAX           31      /* process and thread names */
#define MT_DEBUG_WRITE_MAX    1024    /* bytes per mt_debug_write */

#endif /* MANTRA_ABI_TYPES_H */
