/*
 * MantraCore's entry point: bring the machine up in order (kernel/arch.h),
 * then either run the self-tests the boot configuration asks for or wait
 * for the first process (which arrives with the next issue's work).
 */
#include <bootfs/bootfs.h>
#include <generated/version.h>
#include <kernel/arch.h>
#include <kernel/boot.h>
#include <kernel/bootmem.h>
#include <kernel/cmdline.h>
#include <kernel/ipc.h>
#include <kernel/ksyms.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/bkl.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/slab.h>
#include <kernel/stackprot.h>
#include <string/string.h>

#define KSTACK_SIZE (4 * PAGE_SIZE)

/* QEMU exit statuses of a test boot: (v << 1) | 1. */
#define EXIT_TESTS_PASSED 0x10
#define EXIT_TESTS_FAILED 0x11

struct mantra_bootinfo boot_info;   /* kernel copy, valid forever */
struct bootfs boot_archive;
bool boot_archive_ok;

/* Refuse a BootInfo we do not understand: a loader/kernel mismatch. */
static void bootinfo_check(const struct mantra_bootinfo *bi)
{
	if (bi->magic != MANTRA_BOOTINFO_MAGIC)
		panic("boot: BootInfo has bad magic %#lx (not from MantraBoot?)",
		      (unsigned long)bi->magic);
	if (bi->version != MANTRA_BOOTINFO_VERSION || bi->size < sizeof(*bi))
		panic("boot: BootInfo version %u size %u, this kernel needs "
		      "version %u size %zu", bi->version, bi->size,
		      MANTRA_BOOTINFO_VERSION, sizeof(*bi));
	if (bi->mmap_entry_size != sizeof(struct mantra_mmap_entry) ||
	    bi->mmap_count == 0 || bi->mmap_count > MANTRA_MMAP_MAX)
		panic("boot: BootInfo memory map is malformed (%u entries of %u bytes)",
		      bi->mmap_count, bi->mmap_entry_size);
}

static void apply_cmdline(void)
{
	char val[16];
	enum log_level level;

	if (cmdline_get("loglevel", val, sizeof(val))) {
		if (log_parse_level(val, &level))
			log_set_level(level);
		else
			klog(LOG_WARN, "boot: unknown loglevel '%s' ignored\n", val);
	}
	if (cmdline_get("debug", val, sizeof(val)) && cmdline_list_has(val, "slab"))
		kmem_set_debug(true);
	if (cmdline_get("debug", val, sizeof(val)) && cmdline_list_has(val, "locks"))
		lockdep_on = true;
	if (cmdline_get("watchdog", val, sizeof(val)) && val[0] >= '1' && val[0] <= '9')
		watchdog_seconds = (uint32_t)(val[0] - '0');
	klog(LOG_INFO, "boot: command line \"%s\"\n", cmdline_get_all());
}

static void memory_summary(void)
{
	struct bootmem_totals t;
	struct pmm_stats ps;

	bootmem_summary(&boot_info, &t);
	pmm_get_stats(&ps);
	klog(LOG_INFO, "memory: %lu MiB usable, %lu KiB kernel image, %lu KiB boot data, "
	     "%lu KiB ACPI, %lu KiB reserved\n",
	     t.usable >> 20, t.kernel >> 10, t.boot_data >> 10, t.acpi >> 10,
	     t.reserved >> 10);
	klog(LOG_INFO, "memory: %lu of %lu frames free (%lu MiB), %zu kernel symbols\n",
	     (unsigned long)ps.free_frames, (unsigned long)ps.total_frames,
	     (unsigned long)(ps.free_frames * PAGE_SIZE) >> 20, ksyms_count());
}

/* Validate the boot archive; a corrupt one is refused, not trusted. */
static void boot_archive_init(void)
{
	const char *why = "unknown";

	if (!boot_info.bootfs) {
		klog(LOG_WARN, "bootfs: no boot archive; no user space can start\n");
		return;
	}
	if (bootfs_open(&boot_archive, phys_to_virt(boot_info.bootfs),
			boot_info.bootfs_size, &why) != 0) {
		klog(LOG_ERROR, "bootfs: boot archive refused: %s\n", why);
		return;
	}
	boot_archive_ok = true;
	klog(LOG_INFO, "bootfs: %zu files, %lu bytes\n",
	     bootfs_count(&boot_archive), (unsigned long)boot_info.bootfs_size);
}

__noreturn static void kmain_finish(void *unused)
{
	char mode[64];

	(void)unused;
	arch_late_init();
	arch_ap_start_all();
	arch_irq_init();                /* reads the MADT arch_ap_start_all found */
	thread_init_idle();
	boot_archive_init();
	if (cmdline_get("crashtest", mode, sizeof(mode)))
		crashtest_run(mode);
	if (cmdline_get("selftest", mode, sizeof(mode))) {
		int failed = ktest_run(mode[0] ? mode : "all");
		arch_machine_exit(failed ? EXIT_TESTS_FAILED : EXIT_TESTS_PASSED);
		arch_halt_forever();
	}
	if (cmdline_get("sched", mode, sizeof(mode)))
		sched_init(mode);
	else
		sched_init(NULL);
	ipc_init(cmdline_get("ipc", mode, sizeof(mode)) ? mode : NULL);
	sched_start_cpus();
	userboot_start();
	klog(LOG_INFO, "MantraCore: boot complete\n");
	sched_idle_loop();
}

/* The canary changes here, before any protected function runs; kmain
 * itself is not protected and never returns (kernel/stackprot.h). */
__no_stack_protector __noreturn void kmain(const struct mantra_bootinfo *bi)
{
	bool guard_hw = stack_guard_init();
	vaddr_t stack;

	arch_early_init();
	klog(LOG_INFO, "MantraCore %s (%s) %s\n", MANTRA_VERSION, MANTRA_COMMIT,
	     arch_name);
	klog(LOG_INFO, "boot: stack protector on, canary from %s\n",
	     guard_hw ? "the CPU's RNG" : "the cycle counter");
	bootinfo_check(bi);
	boot_info = *bi;
	cmdline_init(boot_info.cmdline);
	apply_cmdline();
	if (boot_info.exit_attempts > 1)
		klog(LOG_INFO, "boot: loader needed %u ExitBootServices attempts\n",
		     boot_info.exit_attempts);
	arch_cpu_init();
	bootmem_init(&boot_info);
	memory_summary();
	stack = arch_kstack_alloc(KSTACK_SIZE);
	if (!stack)
		panic("boot: no memory for the kernel stack");
	arch_switch_stack(stack, kmain_finish, NULL);
}
