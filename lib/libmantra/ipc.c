/*
 * IPC helpers over the raw calls: the per-thread IPC buffer and channel
 * reads and writes that wait for their signal.  See ipc.h.
 */
#include <libmantra/ipc.h>

mt_status_t mt_ipc_buffer_alloc(struct mt_ipc_buffer **out)
{
	uint64_t addr;
	mt_status_t st;

	st = mt_map_anon(MT_IPC_BUFFER_SIZE, MT_PROT_READ | MT_PROT_WRITE,
			 &addr, NULL);
	if (st < 0)
		return st;
	st = mt_ipc_buffer_set(addr);
	if (st < 0) {
		(void)mt_vm_unmap(mt_startup()->self_aspace, addr,
				  MT_IPC_BUFFER_SIZE);
		return st;
	}
	*out = (struct mt_ipc_buffer *)(uintptr_t)addr;
	return MT_OK;
}

void mt_ipc_buffer_free(struct mt_ipc_buffer *buf)
{
	(void)mt_ipc_buffer_set(0);
	(void)mt_vm_unmap(mt_startup()->self_aspace, (uint64_t)(uintptr_t)buf,
			  MT_IPC_BUFFER_SIZE);
}

/* Wait for `want` (or PEER_CLOSED) on ch; TIMED_OUT or the wait's error. */
static mt_status_t chan_wait(mt_handle_t ch, mt_signals_t want,
			     mt_time_t deadline)
{
	mt_signals_t seen = 0;

	return mt_object_wait_one(ch, want | MT_SIGNAL_PEER_CLOSED, deadline,
				  &seen);
}

mt_status_t mt_channel_read_wait(mt_handle_t ch, void *bytes, size_t bytes_cap,
				 mt_handle_t *handles, size_t handles_cap,
				 uint64_t *actual, mt_time_t deadline)
{
	for (;;) {
		mt_status_t st = mt_channel_read(ch, bytes, bytes_cap, handles,
						 handles_cap * sizeof(mt_handle_t),
						 actual);

		if (st != MT_ERR_SHOULD_WAIT)
			return st;
		st = chan_wait(ch, MT_SIGNAL_READABLE, deadline);
		if (st < 0)
			return st;
	}
}

mt_status_t mt_channel_write_wait(mt_handle_t ch, const void *bytes,
				  size_t nbytes, const mt_handle_t *handles,
				  size_t nhandles, uint64_t flags,
				  mt_time_t deadline)
{
	for (;;) {
		mt_status_t st = mt_channel_write(ch, bytes, nbytes, handles,
						  nhandles * sizeof(mt_handle_t),
						  flags);

		if (st != MT_ERR_SHOULD_WAIT)
			return st;
		st = chan_wait(ch, MT_SIGNAL_WRITABLE, deadline);
		if (st < 0)
			return st;
	}
}
