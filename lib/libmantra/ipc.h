/*
 * libmantra IPC: wrappers for the endpoint calls that return a message in
 * registers, the per-thread IPC buffer, and small channel and port helpers.
 *
 * The generated stubs (<mantra/syscalls.h>) of ipc_call, ipc_reply_wait and
 * ipc_recv declare only rax as an output, but the kernel returns the
 * received message in rdi, rsi, rdx, r10, r8 and r9: use these wrappers,
 * which tell the compiler every register the kernel writes and collect the
 * message into a struct mt_ipc_msg.
 */
#ifndef LIBMANTRA_IPC_H
#define LIBMANTRA_IPC_H

#include <libmantra/mantra.h>

/* One message as it travels in registers.  `info` is MT_IPC_INFO(label,
 * len, nhandles) | MT_IPC_* flags; `badge` is filled in on receipt (the
 * badge of the caller's endpoint handle, 0 if none). */
struct mt_ipc_msg {
	uint64_t info;
	uint64_t w[MT_IPC_WORDS];
	uint64_t badge;
};

/* The endpoint calls share one register shape: six arguments in, the
 * status in rax and a message in rdi, rsi, rdx, r10, r8, r9 out. */
static inline mt_status_t mt_ipc_sys_(uint64_t nr, uint64_t a0, uint64_t a1,
				      const uint64_t w[MT_IPC_WORDS],
				      struct mt_ipc_msg *out)
{
	register uint64_t r_rax __asm__("rax") = nr;
	register uint64_t r_rdi __asm__("rdi") = a0;
	register uint64_t r_rsi __asm__("rsi") = a1;
	register uint64_t r_rdx __asm__("rdx") = w[0];
	register uint64_t r_r10 __asm__("r10") = w[1];
	register uint64_t r_r8 __asm__("r8") = w[2];
	register uint64_t r_r9 __asm__("r9") = w[3];

	__asm__ volatile("syscall"
			 : "+r"(r_rax), "+r"(r_rdi), "+r"(r_rsi), "+r"(r_rdx),
			   "+r"(r_r10), "+r"(r_r8), "+r"(r_r9)
			 :
			 : "rcx", "r11", "memory");
	if (out) {
		out->badge = r_rdi;
		out->info = r_rsi;
		out->w[0] = r_rdx;
		out->w[1] = r_r10;
		out->w[2] = r_r8;
		out->w[3] = r_r9;
	}
	return (mt_status_t)r_rax;
}

/* Send `in` on endpoint `ep` (WRITE) and wait for the reply, stored in
 * *out (badge 0).  Data and handles travel through the thread's IPC buffer.
 * On error *out is undefined. */
static inline mt_status_t mt_call(mt_handle_t ep, const struct mt_ipc_msg *in,
				  struct mt_ipc_msg *out)
{
	mt_status_t st = mt_ipc_sys_(MT_SYS_ipc_call, ep, in->info, in->w, out);

	out->badge = 0;
	return st;
}

/* Reply `reply` to the caller this thread serves (if any), then wait on
 * `ep` (READ) for the next call, stored in *out with its badge. */
static inline mt_status_t mt_reply_wait(mt_handle_t ep,
					const struct mt_ipc_msg *reply,
					struct mt_ipc_msg *out)
{
	return mt_ipc_sys_(MT_SYS_ipc_reply_wait, ep, reply->info, reply->w, out);
}

/* Wait on `ep` (READ) for the next call (flags: 0 or MT_IPC_TIMEOUT with
 * the buffer's deadline). */
static inline mt_status_t mt_recv(mt_handle_t ep, uint64_t flags,
				  struct mt_ipc_msg *out)
{
	static const uint64_t none[MT_IPC_WORDS];

	return mt_ipc_sys_(MT_SYS_ipc_recv, ep, flags, none, out);
}

/* Reply `reply` to the caller this thread serves; one-shot. */
static inline mt_status_t mt_reply(const struct mt_ipc_msg *reply)
{
	register uint64_t r_rax __asm__("rax") = MT_SYS_ipc_reply;
	register uint64_t r_rdi __asm__("rdi") = reply->info;
	register uint64_t r_rsi __asm__("rsi") = reply->w[0];
	register uint64_t r_rdx __asm__("rdx") = reply->w[1];
	register uint64_t r_r10 __asm__("r10") = reply->w[2];
	register uint64_t r_r8 __asm__("r8") = reply->w[3];
	register uint64_t r_r9 __asm__("r9") = 0;

	__asm__ volatile("syscall"
			 : "+r"(r_rax), "+r"(r_rdi), "+r"(r_rsi), "+r"(r_rdx),
			   "+r"(r_r10), "+r"(r_r8), "+r"(r_r9)
			 :
			 : "rcx", "r11", "memory");
	return (mt_status_t)r_rax;
}

/* A message with no words: label, len bytes and nhandles handles. */
static inline struct mt_ipc_msg mt_ipc_msg_make(uint32_t label, uint32_t len,
						uint32_t nhandles, uint64_t flags)
{
	struct mt_ipc_msg m = { MT_IPC_INFO(label, len, nhandles) | flags,
				{ 0, 0, 0, 0 }, 0 };

	return m;
}

/* ---- the per-thread IPC buffer ----------------------------------------- */

/* Map MT_IPC_BUFFER_SIZE bytes of fresh memory and register them as the
 * calling thread's IPC buffer; *out points at it. */
mt_status_t mt_ipc_buffer_alloc(struct mt_ipc_buffer **out) MT_WARN_UNUSED;

/* Unregister the calling thread's buffer and unmap it. */
void mt_ipc_buffer_free(struct mt_ipc_buffer *buf);

/* ---- channels and ports ------------------------------------------------- */

/* mt_channel_read, waiting up to `deadline` while the channel is empty.
 * Returns MT_ERR_TIMED_OUT, MT_ERR_PEER_CLOSED or what channel_read does. */
mt_status_t mt_channel_read_wait(mt_handle_t ch, void *bytes, size_t bytes_cap,
				 mt_handle_t *handles, size_t handles_cap,
				 uint64_t *actual, mt_time_t deadline)
	MT_WARN_UNUSED;

/* mt_channel_write, waiting up to `deadline` while the peer's queue is
 * full.  Handles are consumed as by channel_write. */
mt_status_t mt_channel_write_wait(mt_handle_t ch, const void *bytes,
				  size_t nbytes, const mt_handle_t *handles,
				  size_t nhandles, uint64_t flags,
				  mt_time_t deadline) MT_WARN_UNUSED;

/* Bytes and handle count of a channel_read `actual` word. */
static inline uint32_t mt_channel_actual_bytes(uint64_t actual)
{
	return (uint32_t)actual;
}

static inline uint32_t mt_channel_actual_handles(uint64_t actual)
{
	return (uint32_t)(actual >> 32) & 0xffffu;
}

/* Messages still queued behind the one read (at most
 * MT_CHANNEL_ACTUAL_MORE_MAX). */
static inline uint32_t mt_channel_actual_more(uint64_t actual)
{
	return (uint32_t)(actual >> 48);
}

#endif /* LIBMANTRA_IPC_H */
