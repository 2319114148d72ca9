/*
 * Endpoints: synchronous call/reply with migrating scheduling contexts
 * (kernel/ipc.h, docs/ipc.md).
 *
 * Locking: interrupts disabled around every change of endpoint queues and
 * IPC states (the scheduler lock on one CPU).
 */
#include <arch/percpu.h>
#include <kernel/arch.h>
#include <kernel/ipc.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>
#include <kernel/vm.h>
#include <string/string.h>

/* reply_to of a receiver whose caller gave up: the reply is dropped. */
#define IPC_CALLER_GONE ((struct thread *)1)

#define BUF_HANDLES_OFF __builtin_offsetof(struct mt_ipc_buffer, handles)
#define BUF_DATA_OFF    __builtin_offsetof(struct mt_ipc_buffer, data)
#define INFO_CONTENT    (0x1fffULL << 32 | 0xfULL << 48)   /* len, nhandles */
#define INFO_KNOWN      (0xffffffffULL | INFO_CONTENT | MT_IPC_FLAGS)

/* ipc_fast.S takes a message whose info word is below this: 2^32 (a
 * label only: no data, handles or flags) with the fast path on, 0 (none)
 * with it off. */
uint64_t ipc_fast_info_limit = 1ULL << 32;

void ipc_init(const char *mode)
{
	if (mode && strcmp(mode, "slow") == 0)
		ipc_fast_info_limit = 0;
	else if (mode && strcmp(mode, "fast") != 0)
		klog(LOG_WARN, "ipc: unknown mode '%s', using fast\n", mode);
	klog(LOG_INFO, "ipc: fast path %s\n", ipc_fast_info_limit ? "on" : "off");
}

static struct endpoint *to_endpoint(struct object *obj)
{
	return container_of(obj, struct endpoint, obj);
}

static void endpoint_destroy(struct object *obj)
{
	kfree(to_endpoint(obj));
}

/* A caller's call ends with `result` (interrupts disabled). */
static void ipc_finish_call(struct thread *caller, mt_status_t result)
{
	handle_in_flight_drop(caller->ipc.handles, caller->ipc.nhandles);
	caller->ipc.nhandles = 0;
	if (caller->ipc.ep) {
		object_unref(&caller->ipc.ep->obj);
		caller->ipc.ep = NULL;
	}
	caller->ipc.served_by = NULL;
	caller->ipc.result = result;
	caller->ipc.state = IPC_DONE;
	if (caller->state == THREAD_BLOCKED)
		wait_unblock(caller, WAKE_SIGNALED);
}

/* Handles with READ come and go: with the last, nobody can receive, so
 * waiting callers fail. */
static void endpoint_handles_changed(struct object *obj, mt_rights_t rights, int delta)
{
	struct endpoint *ep = to_endpoint(obj);
	irqstate_t s;

	if (!(rights & MT_RIGHT_READ))
		return;
	ep->receive_handles += delta;
	if (ep->receive_handles)
		return;
	s = arch_irq_save();
	while (!list_empty(&ep->senders.threads))
		ipc_finish_call(container_of(ep->senders.threads.next, struct thread,
					     wait_node), MT_ERR_PEER_CLOSED);
	/* No call can come any more: receivers still waiting give up too. */
	while (!list_empty(&ep->receivers.threads)) {
		struct thread *t = container_of(ep->receivers.threads.next,
						struct thread, wait_node);
		t->ipc.closed = true;
		wait_unblock(t, WAKE_SIGNALED);
	}
	arch_irq_restore(s);
}

static const struct object_ops endpoint_ops = {
	.name = "endpoint",
	.destroy = endpoint_destroy,
	.handles_changed = endpoint_handles_changed,
};

/* ---- Moving a message ------------------------------------------------- */

static void restore_own_context(struct thread *t)
{
	if (t == thread_current())
		sched_charge_current();         /* up to now on the donated one */
	t->sc = t->passive ? NULL : &t->own_sc;
	if (!t->sc || list_linked(&t->run_node))
		sched_context_changed(t);
}

/* Check a message to send and take its handles out of the sender's table
 * into hs[] (the message owns them from here).  *deadline from the IPC
 * buffer with MT_IPC_TIMEOUT. */
static mt_status_t ipc_take(struct thread *cur, uint64_t info, struct handle_in_flight *hs,
			    uint32_t *nh, mt_time_t *deadline)
{
	uint32_t len = MT_IPC_LEN(info), n = MT_IPC_NHANDLES(info);
	mt_handle_t values[MT_IPC_HANDLES_MAX];
	mt_status_t r;

	*nh = 0;
	*deadline = MT_TIME_INFINITE;
	if ((info & ~INFO_KNOWN) || len > MT_IPC_DATA_MAX || n > MT_IPC_HANDLES_MAX)
		return MT_ERR_INVALID_ARGS;
	if ((len || n || (info & MT_IPC_TIMEOUT)) && !cur->ipc.buffer)
		return MT_ERR_INVALID_ARGS;
	if ((info & MT_IPC_TIMEOUT) &&
	    (r = copy_from_user(deadline, cur->ipc.buffer, sizeof(*deadline))) != MT_OK)
		return r;
	if (!n)
		return MT_OK;
	r = copy_from_user(values, cur->ipc.buffer + BUF_HANDLES_OFF, n * sizeof(values[0]));
	if (r == MT_OK)
		r = handle_send_take(&cur->proc->handles, values, n,
				     info & MT_IPC_DUP_HANDLES, NULL,
				     info & MT_IPC_GRANT, cur->proc->aspace, hs);
	if (r == MT_OK)
		*nh = n;
	return r;
}

/* Write a kernel buffer into `as` at user va. */
static mt_status_t ipc_write_user(struct aspace *as, vaddr_t va, const void *src, size_t len)
{
	size_t avail;
	void *dst = aspace_resolve(as, va, true, &avail);

	if (!dst || avail < len)
		return MT_ERR_BAD_ADDRESS;
	memcpy(dst, src, len);
	return MT_OK;
}

/*
 * Deliver a message from `from` into `to`: data (copied once, buffer to
 * buffer), handles (installed in to's table, values written to its
 * buffer), then the registers.  The handles hs[] are consumed either way.
 * Interrupts disabled.
 */
static mt_status_t ipc_transfer(struct thread *from, struct thread *to, uint64_t info,
				const uint64_t *w, uint64_t badge,
				struct handle_in_flight *hs, uint32_t nh)
{
	uint32_t len = MT_IPC_LEN(info);
	mt_handle_t values[MT_IPC_HANDLES_MAX];
	struct aspace *to_as = to->proc->aspace;
	size_t avail;
	mt_status_t r = MT_OK;

	if ((len || nh) && !to->ipc.buffer)
		r = MT_ERR_NO_RESOURCES;        /* the receiver cannot take it */
	if (r == MT_OK && len)
		r = aspace_copy(to_as, to->ipc.buffer + BUF_DATA_OFF, from->proc->aspace,
				from->ipc.buffer + BUF_DATA_OFF, len);
	if (r == MT_OK && nh && !aspace_resolve(to_as, to->ipc.buffer, true, &avail))
		r = MT_ERR_NO_RESOURCES;
	if (r == MT_OK && nh && (r = handle_receive(&to->proc->handles, hs, nh, values)) == MT_OK) {
		r = ipc_write_user(to_as, to->ipc.buffer + BUF_HANDLES_OFF, values,
				   nh * sizeof(values[0]));
		assert(r == MT_OK);             /* resolved above */
		nh = 0;
	}
	handle_in_flight_drop(hs, nh);
	if (r == MT_OK)
		arch_ipc_set_regs(&to->arch, badge, info & (0xffffffffULL | INFO_CONTENT), w);
	return r;
}

/* Hand the call of `caller` to receiver `srv` (blocked in receive or, when
 * srv is the current thread, about to return from it).  On failure the
 * call ends with the error and srv keeps waiting. */
static mt_status_t ipc_deliver_call(struct thread *caller, struct thread *srv)
{
	mt_status_t r = ipc_transfer(caller, srv, caller->ipc.info, caller->ipc.words,
				     caller->ipc.badge, caller->ipc.handles,
				     caller->ipc.nhandles);

	caller->ipc.nhandles = 0;
	if (r != MT_OK) {
		ipc_finish_call(caller, r);
		return r;
	}
	if (caller->ipc.ep) {
		object_unref(&caller->ipc.ep->obj);
		caller->ipc.ep = NULL;
	}
	if (list_linked(&caller->wait_node))
		list_remove(&caller->wait_node);        /* off the senders queue */
	caller->ipc.state = IPC_WAIT_REPLY;
	caller->ipc.served_by = srv;
	srv->ipc.reply_to = caller;
	srv->ipc.received = true;
	srv->sc = sched_context_of(caller);     /* migrate the caller's context */
	if (srv->state == THREAD_BLOCKED)
		wait_unblock(srv, WAKE_SIGNALED);
	else if (list_linked(&srv->run_node))
		sched_context_changed(srv);     /* queued at its old level */
	return MT_OK;
}

/* The caller gives up (timeout, kill, suspension): detach from whatever
 * holds it, so a late reply is dropped. */
static void ipc_abandon(struct thread *cur)
{
	struct thread *srv = cur->ipc.served_by;

	if (cur->ipc.state == IPC_WAIT_REPLY && srv) {
		srv->ipc.reply_to = IPC_CALLER_GONE;
		if (srv->sc == sched_context_of(cur))
			restore_own_context(srv);
	}
	ipc_finish_call(cur, MT_OK);
	cur->ipc.state = IPC_IDLE;
}

/* Block until the call ends; returns its result. */
static mt_status_t ipc_call_wait(struct thread *cur, struct endpoint *ep, mt_time_t deadline)
{
	enum wake_reason why;
	mt_status_t r;

	while (cur->ipc.state != IPC_DONE) {
		why = wait_block(cur->ipc.state == IPC_QUEUED ? &ep->senders : NULL, deadline);
		if (cur->ipc.state == IPC_DONE)
			break;
		if (why == WAKE_TIMEOUT || why == WAKE_INTERRUPTED) {
			ipc_abandon(cur);
			if (why == WAKE_TIMEOUT)
				return MT_ERR_TIMED_OUT;
			return (cur->flags & THREAD_KILL) ? MT_ERR_CANCELED : SYSCALL_RESTART;
		}
	}
	r = cur->ipc.result;
	cur->ipc.state = IPC_IDLE;
	return r;
}

static mt_status_t ipc_call_slow(struct thread *cur, struct endpoint *ep, uint64_t badge,
				 uint64_t info, const uint64_t *w)
{
	mt_time_t deadline;
	irqstate_t s;
	mt_status_t r = ipc_take(cur, info, cur->ipc.handles, &cur->ipc.nhandles, &deadline);

	if (r != MT_OK)
		return r;
	s = arch_irq_save();
	cur->ipc.info = info;
	memcpy(cur->ipc.words, w, sizeof(cur->ipc.words));
	cur->ipc.badge = badge;
	cur->ipc.state = IPC_QUEUED;
	cur->ipc.ep = ep;
	object_ref(&ep->obj);
	if (!ep->receive_handles)
		ipc_finish_call(cur, MT_ERR_PEER_CLOSED);
	else if (!list_empty(&ep->receivers.threads))
		ipc_deliver_call(cur, container_of(ep->receivers.threads.next,
						   struct thread, wait_node));
	r = ipc_call_wait(cur, ep, deadline);
	arch_irq_restore(s);
	return r;
}

/* A fast caller (ipc_fast.S) resumed by the scheduler rather than by a
 * fast reply: a slow reply, the server's death, or an interruption.
 * Finish the call the general way. */
mt_status_t ipc_call_resumed(void);
mt_status_t ipc_call_resumed(void)
{
	struct thread *cur = thread_current();
	mt_status_t r = ipc_call_wait(cur, cur->ipc.wait_ep, MT_TIME_INFINITE);

	arch_irq_enable();
	return r;
}

/* sys_ipc_call is in ipc_fast.S: it takes the register-only call to a
 * receiver already waiting itself, and comes here for everything else. */
mt_status_t ipc_call_c(mt_handle_t endpoint, uint64_t info, uint64_t w0, uint64_t w1,
		       uint64_t w2, uint64_t w3);
mt_status_t ipc_call_c(mt_handle_t endpoint, uint64_t info, uint64_t w0, uint64_t w1,
		       uint64_t w2, uint64_t w3)
{
	const uint64_t w[MT_IPC_WORDS] = { w0, w1, w2, w3 };
	struct handle_entry *e;
	mt_status_t r = handle_get(endpoint, MT_OBJ_ENDPOINT, MT_RIGHT_WRITE, &e);

	if (r != MT_OK)
		return r;
	return ipc_call_slow(thread_current(), to_endpoint(e->obj), e->badge, info, w);
}

/* ---- Receiving and replying ------------------------------------------- */

/* Wait for a call on ep, taking a queued caller first. */
static mt_status_t ipc_receive(struct thread *cur, struct endpoint *ep, mt_time_t deadline)
{
	enum wake_reason why = WAKE_NONE;
	mt_status_t r = MT_OK;

	object_ref(&ep->obj);           /* its handle may go while we wait */
	for (;;) {
		if (cur->ipc.received)
			break;
		if (cur->ipc.closed || !ep->receive_handles) {
			cur->ipc.closed = false;
			r = MT_ERR_PEER_CLOSED;
			break;
		}
		if (!list_empty(&ep->senders.threads)) {
			ipc_deliver_call(container_of(ep->senders.threads.next,
						      struct thread, wait_node), cur);
			continue;
		}
		if (why == WAKE_TIMEOUT) {
			r = MT_ERR_TIMED_OUT;
			break;
		}
		if (why == WAKE_INTERRUPTED) {
			r = (cur->flags & THREAD_KILL) ? MT_ERR_CANCELED : SYSCALL_RESTART;
			break;
		}
		/* A passive thread waits without a context of its own, unless
		 * it asked for a deadline: timing out needs time to run on. */
		if (cur->passive && !cur->ipc.reply_to && deadline == MT_TIME_INFINITE)
			cur->sc = NULL;
		why = wait_block(&ep->receivers, deadline);
	}
	cur->ipc.received = false;
	object_unref(&ep->obj);
	return r;
}

/* Send the reply this thread owes.  MT_ERR_BAD_STATE if none;
 * MT_ERR_PEER_CLOSED if the caller gave up (the reply is dropped). */
static mt_status_t ipc_reply_common(struct thread *cur, uint64_t info, const uint64_t *w)
{
	struct handle_in_flight hs[MT_IPC_HANDLES_MAX];
	struct thread *caller = cur->ipc.reply_to;
	mt_time_t unused;
	uint32_t nh;
	irqstate_t s;
	mt_status_t r;

	if (!caller)
		return MT_ERR_BAD_STATE;
	r = ipc_take(cur, info & ~MT_IPC_TIMEOUT, hs, &nh, &unused);
	if (r != MT_OK)
		return r;
	s = arch_irq_save();
	cur->ipc.reply_to = NULL;
	restore_own_context(cur);
	if (caller == IPC_CALLER_GONE) {
		handle_in_flight_drop(hs, nh);
		r = MT_ERR_PEER_CLOSED;
	} else {
		ipc_finish_call(caller, ipc_transfer(cur, caller, info, w, 0, hs, nh));
	}
	arch_irq_restore(s);
	return r;
}

static mt_status_t endpoint_get(mt_handle_t h, struct endpoint **out)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(h, MT_OBJ_ENDPOINT, MT_RIGHT_READ, &e);

	if (r == MT_OK)
		*out = to_endpoint(e->obj);
	return r;
}

static mt_status_t receive_deadline(struct thread *cur, uint64_t flags, mt_time_t *deadline)
{
	*deadline = MT_TIME_INFINITE;
	if (!(flags & MT_IPC_TIMEOUT))
		return MT_OK;
	if (!cur->ipc.buffer)
		return MT_ERR_INVALID_ARGS;
	return copy_from_user(deadline, cur->ipc.buffer, sizeof(*deadline));
}

/* A fast replier (ipc_fast.S) resumed by the scheduler: a call delivered
 * the slow way, or an interruption.  It holds a wait reference to the
 * endpoint, like every waiting receiver. */
mt_status_t ipc_receive_resumed(void);
mt_status_t ipc_receive_resumed(void)
{
	struct thread *cur = thread_current();
	struct endpoint *ep = cur->ipc.wait_ep;
	mt_status_t r;

	/* The wait reference may be the endpoint's last (its handles all
	 * went while we slept: found by the system-call fuzzer), so it goes
	 * only once the endpoint is known to be held by a receive handle or
	 * no longer needed.  ipc_receive's own reference is the wait
	 * reference of its next sleep, which a fast handoff consumes. */
	if (cur->ipc.received) {
		cur->ipc.received = false;
		r = MT_OK;
	} else if (cur->ipc.closed || !ep->receive_handles) {
		cur->ipc.closed = false;
		r = MT_ERR_PEER_CLOSED;
	} else {
		r = MT_ERR_SHOULD_WAIT;
	}
	object_unref(&ep->obj);
	if (r == MT_ERR_SHOULD_WAIT)
		r = ipc_receive(cur, ep, MT_TIME_INFINITE);
	arch_irq_enable();
	return r;
}

/* sys_ipc_reply_wait is in ipc_fast.S (the register-only reply to a
 * waiting caller); everything else comes here. */
mt_status_t ipc_reply_wait_c(mt_handle_t endpoint, uint64_t info, uint64_t w0,
			     uint64_t w1, uint64_t w2, uint64_t w3);
mt_status_t ipc_reply_wait_c(mt_handle_t endpoint, uint64_t info, uint64_t w0,
			     uint64_t w1, uint64_t w2, uint64_t w3)
{
	const uint64_t w[MT_IPC_WORDS] = { w0, w1, w2, w3 };
	struct thread *cur = thread_current();
	struct endpoint *ep;
	mt_time_t deadline;
	irqstate_t s;
	mt_status_t r = endpoint_get(endpoint, &ep);

	if (r != MT_OK)
		return r;
	/* The reply may carry, and drop, the endpoint's last handle (found
	 * by the system-call fuzzer): hold it across the reply; receive only
	 * if a receive handle still keeps it (ipc_receive's reference is the
	 * one its sleep keeps, so ours must go first). */
	object_ref(&ep->obj);
	r = receive_deadline(cur, info, &deadline);
	if (r == MT_OK && cur->ipc.reply_to)
		r = ipc_reply_common(cur, info, w);
	if ((r == MT_OK || r == MT_ERR_PEER_CLOSED) && !ep->receive_handles)
		r = MT_ERR_PEER_CLOSED;
	else if (r == MT_OK || r == MT_ERR_PEER_CLOSED)
		r = MT_ERR_SHOULD_WAIT;
	object_unref(&ep->obj);
	if (r == MT_ERR_SHOULD_WAIT) {
		s = arch_irq_save();
		r = ipc_receive(cur, ep, deadline);
		arch_irq_restore(s);
	}
	return r;
}

/* sys_ipc_recv is in ipc_fast.S: it completes the frame, then comes here. */
mt_status_t ipc_recv_c(mt_handle_t endpoint, uint64_t flags);
mt_status_t ipc_recv_c(mt_handle_t endpoint, uint64_t flags)
{
	struct thread *cur = thread_current();
	struct endpoint *ep;
	mt_time_t deadline;
	irqstate_t s;
	mt_status_t r = endpoint_get(endpoint, &ep);

	if (r != MT_OK)
		return r;
	if (flags & ~MT_IPC_TIMEOUT)
		return MT_ERR_INVALID_ARGS;
	if (cur->ipc.reply_to)
		return MT_ERR_BAD_STATE;
	r = receive_deadline(cur, flags, &deadline);
	if (r != MT_OK)
		return r;
	s = arch_irq_save();
	r = ipc_receive(cur, ep, deadline);
	arch_irq_restore(s);
	return r;
}

mt_status_t sys_ipc_reply(uint64_t info, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	const uint64_t w[MT_IPC_WORDS] = { w0, w1, w2, w3 };

	return ipc_reply_common(thread_current(), info, w);
}

mt_status_t sys_ipc_buffer_set(uint64_t addr)
{
	if (addr && ((addr & (PAGE_SIZE - 1)) || !user_range_ok(addr, MT_IPC_BUFFER_SIZE)))
		return MT_ERR_INVALID_ARGS;
	thread_current()->ipc.buffer = addr;
	return MT_OK;
}

mt_status_t sys_endpoint_create(uintptr_t out)
{
	struct endpoint *ep;
	mt_status_t r;

	if (!user_range_ok(out, sizeof(mt_handle_t)))
		return MT_ERR_BAD_ADDRESS;
	ep = kzalloc(sizeof(*ep));
	if (!ep)
		return MT_ERR_NO_MEMORY;
	object_init(&ep->obj, MT_OBJ_ENDPOINT, &endpoint_ops);
	wait_queue_init(&ep->senders);
	wait_queue_init(&ep->receivers);
	r = object_charge(&ep->obj, sizeof(*ep));
	if (r == MT_OK)
		r = handle_give_user(&ep->obj, MT_RIGHTS_ALL & ~(MT_RIGHT_MAP | MT_RIGHT_EXECUTE |
								 MT_RIGHT_MANAGE), out);
	object_unref(&ep->obj);
	return r;
}

/* ---- Thread end --------------------------------------------------------- */

void ipc_thread_exit(struct thread *t)
{
	struct thread *caller = t->ipc.reply_to;

	t->ipc.reply_to = NULL;
	if (caller && caller != IPC_CALLER_GONE)
		ipc_finish_call(caller, MT_ERR_PEER_CLOSED);
	if (t->ipc.state == IPC_WAIT_REPLY || t->ipc.state == IPC_QUEUED)
		ipc_abandon(t);
}
