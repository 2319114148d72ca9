/*
 * IPC helper roles: a server of the GT_SRV_* protocol, a caller that dies
 * mid-call, a channel echo and a shared-memory ring consumer, run in
 * processes of their own so that tests cross address spaces.  Their
 * handles arrive in the box (gt_spawn_helper_box).
 */
#include "guest.h"

#include <stdlib.h>
#include <string.h>

#include <libmantra/ipc.h>
#include <libmantra/shm_ring.h>

/* Answer one call `in` (received into buf); false: stop serving. */
static bool serve_one(const struct mt_ipc_msg *in, struct mt_ipc_buffer *buf,
		      struct mt_ipc_msg *reply)
{
	uint32_t len = MT_IPC_LEN(in->info);
	uint32_t nh = MT_IPC_NHANDLES(in->info);

	memset(reply, 0, sizeof(*reply));
	switch (MT_IPC_LABEL(in->info)) {
	case GT_SRV_ECHO:
		for (uint32_t i = 0; i < nh; i++)
			mt_handle_drop(buf->handles[i]);
		for (int i = 0; i < MT_IPC_WORDS; i++)
			reply->w[i] = in->w[i] + 1;
		/* The data is in our buffer: sending `len` bytes echoes it. */
		reply->info = MT_IPC_INFO(GT_SRV_ECHO, len, 0);
		return true;
	case GT_SRV_HANDLES:
		reply->info = MT_IPC_INFO(GT_SRV_HANDLES, 0, nh);
		reply->w[0] = nh;
		return true;
	case GT_SRV_BADGE:
		reply->info = MT_IPC_INFO(GT_SRV_BADGE, 0, 0);
		reply->w[0] = in->badge;
		return true;
	case GT_SRV_EXIT:
		return false;
	case GT_SRV_HANG:
		for (;;)
			(void)mt_nanosleep(MT_TIME_INFINITE);
	default:
		reply->info = MT_IPC_INFO(0xbad, 0, 0);
		return true;
	}
}

void gt_ipc_serve(mt_handle_t ep)
{
	struct mt_ipc_buffer *buf = NULL;
	struct mt_ipc_msg in, reply;
	mt_status_t st;

	if (mt_ipc_buffer_alloc(&buf) < 0)
		return;
	st = mt_recv(ep, 0, &in);
	while (st >= 0 && serve_one(&in, buf, &reply))
		st = mt_reply_wait(ep, &reply, &in);
	mt_ipc_buffer_free(buf);
}

static void helper_caller(mt_handle_t ep)
{
	struct mt_ipc_buffer *buf;
	struct mt_ipc_msg in = mt_ipc_msg_make(9, 0, 0, 0), out;

	if (mt_ipc_buffer_alloc(&buf) < 0)
		exit(2);
	gt_box()->word[1] = 1;          /* about to call */
	gt_box()->word[0] = (uint64_t)mt_call(ep, &in, &out);
	exit(0);
}

/* Echo every message on ch until the peer closes. */
static void helper_chan_echo(mt_handle_t ch)
{
	static uint8_t bytes[MT_CHANNEL_MSG_MAX];
	static mt_handle_t handles[MT_CHANNEL_HANDLES_MAX];
	uint64_t actual;

	for (;;) {
		mt_status_t st = mt_channel_read_wait(ch, bytes, sizeof(bytes),
						      handles, MT_CHANNEL_HANDLES_MAX,
						      &actual, MT_TIME_INFINITE);
		if (st < 0)
			exit(st == MT_ERR_PEER_CLOSED ? 0 : 3);
		st = mt_channel_write_wait(ch, bytes, mt_channel_actual_bytes(actual),
					   handles, mt_channel_actual_handles(actual),
					   0, MT_TIME_INFINITE);
		if (st < 0)
			exit(st == MT_ERR_PEER_CLOSED ? 0 : 4);
	}
}

/* Consume the ring until the peer closes it: word[0] = messages, word[1]
 * = messages out of order, word[2] = 1 when done. */
static void helper_shm_sink(mt_handle_t mem, mt_handle_t ev)
{
	struct mt_shm_ring r;
	uint64_t msg[MT_SHM_SLOT_SIZE / 8];
	uint64_t count = 0, bad = 0;
	mt_status_t st;

	if (mt_shm_ring_attach(mem, ev, &r) < 0)
		exit(2);
	while ((st = mt_shm_ring_recv(&r, msg, MT_TIME_INFINITE)) >= 0) {
		if (msg[0] != count || msg[7] != ~count)
			bad++;
		count++;
		gt_box()->word[0] = count;
	}
	gt_box()->word[1] = bad;
	gt_box()->word[3] = (uint64_t)st;
	gt_box()->word[2] = 1;
	mt_shm_ring_close(&r);
	exit(st == MT_ERR_PEER_CLOSED ? 0 : 5);
}

void gt_helper_ipc_main(uint32_t id, uint32_t param)
{
	volatile struct gt_box *box = gt_box();

	(void)param;
	switch (id) {
	case GT_HELPER_IPC_SERVER:
		gt_ipc_serve(box->h[0]);
		exit(0);
	case GT_HELPER_IPC_CALLER:
		helper_caller(box->h[0]);
		break;
	case GT_HELPER_CHAN_ECHO:
		helper_chan_echo(box->h[0]);
		break;
	case GT_HELPER_SHM_SINK:
		helper_shm_sink(box->h[0], box->h[1]);
		break;
	}
	exit(99);
}
