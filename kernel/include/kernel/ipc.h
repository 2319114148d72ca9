/*
 * Synchronous IPC on endpoints (object/endpoint.c, docs/ipc.md).
 *
 * A call moves a message (info word, four register words, up to
 * MT_IPC_DATA_MAX bytes and MT_IPC_HANDLES_MAX handles through the two
 * threads' IPC buffers) from a caller to a receiver, which then owes the
 * caller one reply.  The caller's scheduling context goes with the call.
 *
 * Caller states (struct ipc_thread.state, changed only with interrupts
 * disabled):
 *   IPC_IDLE --call, no receiver--> IPC_QUEUED (on endpoint->senders)
 *   IPC_IDLE/IPC_QUEUED --delivered--> IPC_WAIT_REPLY (server->reply_to = it)
 *   IPC_WAIT_REPLY --reply or server death--> IPC_DONE (result set)
 * A caller that gives up (timeout, kill, suspension) detaches itself from
 * its endpoint or server first, so a late reply finds nobody and is
 * dropped.
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include <kernel/handle.h>
#include <kernel/list.h>

#include <kernel/object.h>

struct thread;

struct endpoint {
	struct object obj;
	struct wait_queue senders;      /* callers waiting for a receiver */
	struct wait_queue receivers;    /* threads waiting for a call (each
	                                   holds a reference to the endpoint) */
	uint32_t receive_handles;       /* handles with MT_RIGHT_READ */
};

enum ipc_state {
	IPC_IDLE,
	IPC_QUEUED,
	IPC_WAIT_REPLY,
	IPC_DONE,
};

struct ipc_thread {
	uintptr_t buffer;               /* user IPC buffer, 0 if none */
	enum ipc_state state;
	mt_status_t result;             /* caller: outcome once IPC_DONE */
	bool received;                  /* receiver: a call was delivered */
	bool closed;                    /* receiver: the endpoint lost its last
	                                   READ handle while it waited */
	uint64_t info;                  /* caller: the outgoing message */
	uint64_t words[MT_IPC_WORDS];
	uint64_t badge;
	struct endpoint *ep;            /* caller: queued on (reference) */
	struct endpoint *wait_ep;       /* fast paths: the endpoint of the
	                                   call or receive it is blocked in */
	struct thread *reply_to;        /* receiver: the caller it owes */
	struct thread *served_by;       /* caller: the receiver serving it */
	uint32_t nhandles;              /* caller: handles in flight */
	struct handle_in_flight handles[MT_IPC_HANDLES_MAX];
};

/* The thread is ending: a reply it owes becomes MT_ERR_PEER_CLOSED for
 * its caller. */
void ipc_thread_exit(struct thread *t);

/* Boot option `ipc=slow` turns the fast path off. */
void ipc_init(const char *mode);

#endif /* KERNEL_IPC_H */
