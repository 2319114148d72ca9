/*
 * idl.*: the code tools/idlc.py generates from idl/echo.idl, end to end.
 * The server (GT_HELPER_IDL) runs in a helper process on the generated
 * dispatch; the tests call it through the generated stubs, and also by
 * hand with messages the stubs would never build, which must each get an
 * error reply while the server goes on serving.  docs/idl.md.
 */
#include "guest.h"

#include <stdlib.h>
#include <string.h>

#include <idl/echo_server.h>

/* ---- the server --------------------------------------------------------- */

/* The parameters every op gets, which most of these ignore. */
#define OP_CTX void *ctx __attribute__((unused)), \
	uint64_t badge __attribute__((unused))

struct echo_state {
	uint64_t calls;         /* every message received, refused ones too */
};

static mt_status_t op_scalars(OP_CTX, const struct echo_scalars_in *in,
			      struct echo_scalars_out *out)
{
	out->a = in->a;
	out->b = in->b;
	out->c = in->c;
	out->d = in->d;
	out->e = in->e;
	out->f = in->f;
	out->g = in->g;
	return MT_OK;
}

static mt_status_t op_small(OP_CTX, const struct echo_small_in *in,
			    struct echo_small_out *out)
{
	out->a = in->a;
	out->b = in->b;
	out->c = in->c;
	return MT_OK;
}

static mt_status_t op_shapes(OP_CTX, const struct echo_shapes_in *in,
			     struct echo_shapes_out *out)
{
	out->s = in->s;
	out->c = in->c;
	return MT_OK;
}

static mt_status_t op_text(OP_CTX, const struct echo_text_in *in,
			   struct echo_text_out *out)
{
	out->len = (uint32_t)strlen(in->s);
	memcpy(out->s, in->s, out->len + 1);
	return MT_OK;
}

static mt_status_t op_blob(OP_CTX, const struct echo_blob_in *in,
			   struct echo_blob_out *out)
{
	for (uint32_t i = 0; i < in->b_len; i++)
		out->b[i] = in->b[in->b_len - 1 - i];
	out->b_len = in->b_len;
	return MT_OK;
}

static mt_status_t op_big(OP_CTX, const struct echo_big_in *in,
			  struct echo_big_out *out)
{
	for (uint32_t i = 0; i < in->b_len; i++)
		out->sum += in->b[i];
	return MT_OK;
}

static mt_status_t op_pass(OP_CTX, const struct echo_pass_in *in,
			   struct echo_pass_out *out)
{
	out->h = in->h;
	return MT_OK;
}

static mt_status_t op_two(OP_CTX, const struct echo_two_in *in,
			  struct echo_two_out *out)
{
	struct mt_object_info e, m;
	mt_status_t st = mt_object_info(in->e, &e);

	if (st >= 0)
		st = mt_object_info(in->mem, &m);
	if (st >= 0) {
		out->type = e.type;
		out->size = m.size;
	}
	mt_handle_drop(in->e);
	mt_handle_drop(in->mem);
	return st;
}

static mt_status_t op_fail(OP_CTX, const struct echo_fail_in *in)
{
	return in->status;
}

static mt_status_t op_count(OP_CTX, struct echo_count_out *out)
{
	out->calls = ((struct echo_state *)ctx)->calls;
	return MT_OK;
}

static mt_status_t op_overflow(OP_CTX, struct echo_overflow_out *out)
{
	memset(out->s, 'x', sizeof(out->s));        /* no NUL: over the bound */
	return MT_OK;
}

static const struct echo_ops echo_test_ops = {
	.scalars = op_scalars, .small = op_small, .shapes = op_shapes,
	.text = op_text, .blob = op_blob, .big = op_big, .pass = op_pass,
	.two = op_two, .fail = op_fail, .count = op_count,
	.overflow = op_overflow,
};

/* echo_dispatch, counting every message. */
static void counting_dispatch(const void *ops, void *ctx,
			      const struct mt_ipc_msg *in,
			      struct mt_ipc_buffer *buf, struct mt_ipc_msg *reply)
{
	((struct echo_state *)ctx)->calls++;
	echo_dispatch(ops, ctx, in, buf, reply);
}

void gt_helper_idl_main(void)
{
	struct echo_state state = { 0 };
	struct mt_ipc_buffer *buf;

	if (mt_ipc_buffer_alloc(&buf) < 0)
		exit(2);
	(void)idl_serve(gt_box()->h[0], buf, counting_dispatch, &echo_test_ops,
			&state);
	exit(3);
}

/* ---- the client side ---------------------------------------------------- */

struct idl_fix {
	mt_handle_t ep;         /* WRITE to the server's endpoint */
	mt_handle_t box;
	struct mt_spawn_result h;
	struct mt_ipc_buffer *buf;
};

static void idl_start(struct idl_fix *f)
{
	mt_handle_t srv;

	GT_OK(mt_endpoint_create(&srv));
	GT_OK(mt_handle_duplicate(srv, MT_RIGHT_WRITE | MT_RIGHT_WAIT, &f->ep));
	gt_spawn_helper_box(GT_HELPER_IDL, 0, &srv, 1, &f->box, &f->h);
	GT_OK(mt_ipc_buffer_alloc(&f->buf));
}

static void idl_stop(struct idl_fix *f)
{
	GT_OK(mt_task_kill(f->h.process));
	gt_wait(f->h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(f->ep);
	mt_handle_drop(f->box);
	gt_helper_release(&f->h);
	mt_ipc_buffer_free(f->buf);
}

/* Send a hand-built message (data already in f->buf) and return the
 * status its reply carries; an error reply must carry nothing else. */
static int32_t idl_raw(struct idl_fix *f, uint32_t label, uint32_t len,
		       uint32_t nhandles, const uint64_t w[MT_IPC_WORDS])
{
	struct mt_ipc_msg m = mt_ipc_msg_make(label, len, nhandles, 0), rep;
	int32_t status;

	if (w)
		memcpy(m.w, w, sizeof(m.w));
	GT_OK(mt_call(f->ep, &m, &rep));
	status = (int32_t)MT_IPC_LABEL(rep.info);
	if (status < 0) {
		GT_CHECK_EQ(MT_IPC_LEN(rep.info), 0);
		GT_CHECK_EQ(MT_IPC_NHANDLES(rep.info), 0);
		for (int i = 0; i < MT_IPC_WORDS; i++)
			GT_CHECK_EQ(rep.w[i], 0);
	}
	return status;
}

/* What the kernel says of h's object (koid, handle_count of all
 * processes, ...). */
static struct mt_object_info idl_info(mt_handle_t h)
{
	struct mt_object_info info;

	GT_OK(mt_object_info(h, &info));
	return info;
}

/* The server answers count() and has seen `calls` messages before it. */
static void idl_check_serving(struct idl_fix *f, uint64_t calls)
{
	struct echo_count_out c;

	GT_OK(echo_count(f->ep, f->buf, &c));
	GT_CHECK_EQ(c.calls, calls + 1);
}

GT_TEST(idl, scalars_round_trip)
{
	static const struct echo_scalars_in cases[] = {
		{ 0, 0, 0, 0, 0, 0, false },
		{ 0xff, 0xffff, 0xffffffffu, ~0ull, -1, -1, true },
		{ 0x12, 0x3456, 0x789abcde, 0x0123456789abcdefull, INT32_MIN,
		  INT64_MIN, true },
		{ 1, 2, 3, 4, INT32_MAX, INT64_MAX, false },
	};
	struct idl_fix f;
	struct echo_scalars_out o;

	idl_start(&f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct echo_scalars_in *c = &cases[i];

		GT_OK(echo_scalars(f.ep, f.buf, c->a, c->b, c->c, c->d, c->e,
				   c->f, c->g, &o));
		GT_CHECK(o.a == c->a && o.b == c->b && o.c == c->c &&
			 o.d == c->d && o.e == c->e && o.f == c->f &&
			 o.g == c->g);
	}
	idl_stop(&f);
}

GT_TEST(idl, small_types_and_enums_round_trip)
{
	static const enum echo_color colors[] = {
		ECHO_COLOR_RED, ECHO_COLOR_GREEN, ECHO_COLOR_BLUE };
	struct idl_fix f;
	struct echo_small_out o;

	idl_start(&f);
	for (int i = 0; i < 3; i++) {
		int8_t a = (int8_t)(i == 0 ? INT8_MIN : i == 1 ? -1 : INT8_MAX);
		int16_t b = (int16_t)(i == 0 ? INT16_MIN : i == 1 ? 7 : INT16_MAX);

		GT_OK(echo_small(f.ep, f.buf, a, b, colors[i], &o));
		GT_CHECK(o.a == a && o.b == b && o.c == colors[i]);
	}
	idl_stop(&f);
}

GT_TEST(idl, structs_round_trip)
{
	struct echo_shape s = { { -5, 6, 0xab }, { INT32_MAX, INT32_MIN, 0 },
				ECHO_COLOR_BLUE, true };
	struct idl_fix f;
	struct echo_shapes_out o;

	idl_start(&f);
	GT_OK(echo_shapes(f.ep, f.buf, s, ECHO_COLOR_GREEN, &o));
	GT_CHECK(o.s.lo.x == -5 && o.s.lo.y == 6 && o.s.lo.tag == 0xab);
	GT_CHECK(o.s.hi.x == INT32_MAX && o.s.hi.y == INT32_MIN && o.s.hi.tag == 0);
	GT_CHECK(o.s.fill == ECHO_COLOR_BLUE && o.s.closed);
	GT_CHECK_EQ(o.c, ECHO_COLOR_GREEN);
	idl_stop(&f);
}

GT_TEST(idl, strings_up_to_the_bound)
{
	char full[ECHO_TEXT_MAX + 1];
	const char *texts[] = { "", "hello", full };
	struct idl_fix f;
	struct echo_text_out o;

	memset(full, 'q', ECHO_TEXT_MAX);
	full[ECHO_TEXT_MAX] = 0;
	idl_start(&f);
	for (int i = 0; i < 3; i++) {
		GT_OK(echo_text(f.ep, f.buf, texts[i], &o));
		GT_CHECK_EQ(o.len, strlen(texts[i]));
		GT_CHECK(strcmp(o.s, texts[i]) == 0);
	}
	idl_stop(&f);
}

GT_TEST(idl, strings_over_the_bound_refused)
{
	char over[ECHO_TEXT_MAX + 2];
	uint64_t w[MT_IPC_WORDS] = { ECHO_TEXT_MAX + 1 };
	struct idl_fix f;
	struct echo_text_out o;

	memset(over, 'q', ECHO_TEXT_MAX + 1);
	over[ECHO_TEXT_MAX + 1] = 0;
	idl_start(&f);
	/* The stub refuses it without sending. */
	GT_ERR(echo_text(f.ep, f.buf, over, &o), MT_ERR_INVALID_ARGS);
	GT_ERR(echo_text(f.ep, f.buf, NULL, &o), MT_ERR_INVALID_ARGS);
	/* Sent by hand, the server refuses it. */
	memcpy(f.buf->data, over, sizeof(over));
	GT_CHECK_EQ(idl_raw(&f, ECHO_TEXT_LABEL, sizeof(over), 0, w),
		    MT_ERR_INVALID_ARGS);
	idl_check_serving(&f, 1);
	idl_stop(&f);
}

GT_TEST(idl, bytes_round_trip)
{
	static uint8_t big[ECHO_BIG_MAX];
	uint8_t b[ECHO_BLOB_MAX];
	uint32_t lens[] = { 0, 1, 100, ECHO_BLOB_MAX };
	uint64_t sum = 0;
	struct idl_fix f;
	struct echo_blob_out o;
	struct echo_big_out s;

	for (uint32_t i = 0; i < ECHO_BLOB_MAX; i++)
		b[i] = (uint8_t)(i * 13 + 1);
	for (uint32_t i = 0; i < ECHO_BIG_MAX; i++) {
		big[i] = (uint8_t)(i * 7);
		sum += big[i];
	}
	idl_start(&f);
	for (int k = 0; k < 4; k++) {
		GT_OK(echo_blob(f.ep, f.buf, b, lens[k], &o));
		GT_CHECK_EQ(o.b_len, lens[k]);
		for (uint32_t i = 0; i < lens[k]; i++)
			GT_CHECK_EQ(o.b[i], b[lens[k] - 1 - i]);
	}
	GT_OK(echo_big(f.ep, f.buf, big, ECHO_BIG_MAX, &s));
	GT_CHECK_EQ(s.sum, sum);
	idl_stop(&f);
}

GT_TEST(idl, bytes_over_the_bound_refused)
{
	uint8_t b[ECHO_BLOB_MAX + 1] = { 0 };
	uint64_t w[MT_IPC_WORDS] = { ECHO_BLOB_MAX + 1 };
	struct idl_fix f;
	struct echo_blob_out o;

	idl_start(&f);
	GT_ERR(echo_blob(f.ep, f.buf, b, ECHO_BLOB_MAX + 1, &o), MT_ERR_INVALID_ARGS);
	GT_ERR(echo_blob(f.ep, f.buf, NULL, 1, &o), MT_ERR_INVALID_ARGS);
	memset(f.buf->data, 1, sizeof(b));
	GT_CHECK_EQ(idl_raw(&f, ECHO_BLOB_LABEL, sizeof(b), 0, w),
		    MT_ERR_INVALID_ARGS);
	/* A length in bounds that disagrees with the data is refused too. */
	w[0] = 10;
	GT_CHECK_EQ(idl_raw(&f, ECHO_BLOB_LABEL, 11, 0, w), MT_ERR_INVALID_ARGS);
	GT_CHECK_EQ(idl_raw(&f, ECHO_BLOB_LABEL, 9, 0, w), MT_ERR_INVALID_ARGS);
	idl_check_serving(&f, 3);
	idl_stop(&f);
}

GT_TEST(idl, wrong_labels_refused)
{
	static const uint32_t labels[] = {
		0, 1, ECHO_ID << 16, (ECHO_ID << 16) | 0xffff,
		ECHO_OVERFLOW_LABEL + 1, (2u << 16) | 1, 0xffffffffu };
	struct idl_fix f;
	mt_handle_t ev, give;

	idl_start(&f);
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		GT_CHECK_EQ(idl_raw(&f, labels[i], 0, 0, NULL), MT_ERR_NOT_SUPPORTED);
	/* A handle sent with a bogus label is closed, not kept. */
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &give));
	f.buf->handles[0] = give;
	GT_CHECK_EQ(idl_raw(&f, 0x7777, 0, 1, NULL), MT_ERR_NOT_SUPPORTED);
	GT_CHECK_EQ(idl_info(ev).handle_count, 1);
	idl_check_serving(&f, 8);
	mt_handle_drop(ev);
	idl_stop(&f);
}

GT_TEST(idl, handle_counts_checked)
{
	struct idl_fix f;
	struct echo_pass_out o;
	mt_handle_t ev, a, b;

	idl_start(&f);
	GT_OK(mt_event_create(&ev));
	/* pass() takes one handle: none is refused... */
	GT_CHECK_EQ(idl_raw(&f, ECHO_PASS_LABEL, 0, 0, NULL), MT_ERR_INVALID_ARGS);
	/* ...and so are two, both closed by the server. */
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &a));
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &b));
	f.buf->handles[0] = a;
	f.buf->handles[1] = b;
	GT_CHECK_EQ(idl_raw(&f, ECHO_PASS_LABEL, 0, 2, NULL), MT_ERR_INVALID_ARGS);
	GT_CHECK_EQ(idl_info(ev).handle_count, 1);
	/* count() takes none: one is refused and closed. */
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &a));
	f.buf->handles[0] = a;
	GT_CHECK_EQ(idl_raw(&f, ECHO_COUNT_LABEL, 0, 1, NULL), MT_ERR_INVALID_ARGS);
	GT_CHECK_EQ(idl_info(ev).handle_count, 1);
	/* The stub does not send an invalid handle. */
	GT_ERR(echo_pass(f.ep, f.buf, MT_HANDLE_INVALID, &o), MT_ERR_INVALID_ARGS);
	idl_check_serving(&f, 3);
	mt_handle_drop(ev);
	idl_stop(&f);
}

GT_TEST(idl, handles_pass_both_ways)
{
	struct idl_fix f;
	mt_handle_t ev, give, mem;
	struct echo_pass_out p;
	struct echo_two_out t;

	idl_start(&f);
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &give));
	GT_OK(echo_pass(f.ep, f.buf, give, &p));
	GT_CHECK(p.h != MT_HANDLE_INVALID);
	GT_CHECK_EQ(idl_info(p.h).koid, idl_info(ev).koid);
	GT_CHECK_EQ(idl_info(ev).handle_count, 2);
	mt_handle_drop(p.h);
	/* Kinds and rights as declared: the server sees what we sent. */
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &give));
	GT_OK(mt_memory_create(3 * MT_PAGE_SIZE, 0, &mem));
	GT_OK(echo_two(f.ep, f.buf, give, mem, &t));
	GT_CHECK_EQ(t.type, MT_OBJ_EVENT);
	GT_CHECK_EQ(t.size, 3 * MT_PAGE_SIZE);
	GT_CHECK_EQ(idl_info(ev).handle_count, 1);
	mt_handle_drop(ev);
	idl_stop(&f);
}

GT_TEST(idl, handle_kinds_and_rights_checked)
{
	struct idl_fix f;
	mt_handle_t ev, mem, e2, m2;
	struct echo_two_out t;

	idl_start(&f);
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	/* Swapped kinds. */
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &e2));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &m2));
	GT_ERR(echo_two(f.ep, f.buf, m2, e2, &t), MT_ERR_WRONG_TYPE);
	GT_CHECK_EQ(idl_info(ev).handle_count, 1);
	GT_CHECK_EQ(idl_info(mem).handle_count, 1);
	/* The memory handle without WRITE. */
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &e2));
	GT_OK(mt_handle_duplicate(mem, gt_rights_without(mem, MT_RIGHT_WRITE), &m2));
	GT_ERR(echo_two(f.ep, f.buf, e2, m2, &t), MT_ERR_ACCESS_DENIED);
	/* Without INFO the server cannot see the kind: refused as well. */
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &e2));
	GT_OK(mt_handle_duplicate(mem, gt_rights_without(mem, MT_RIGHT_INFO), &m2));
	GT_ERR(echo_two(f.ep, f.buf, e2, m2, &t), MT_ERR_ACCESS_DENIED);
	GT_CHECK_EQ(idl_info(ev).handle_count, 1);
	GT_CHECK_EQ(idl_info(mem).handle_count, 1);
	idl_check_serving(&f, 3);
	mt_handle_drop(ev);
	mt_handle_drop(mem);
	idl_stop(&f);
}

/* One hand-built malformed message: label, data bytes, words. */
struct idl_bad {
	const char *what;
	uint32_t label;
	uint32_t len;
	const char *data;
	uint64_t w[MT_IPC_WORDS];
};

GT_TEST(idl, malformed_messages_get_error_replies)
{
	static const struct idl_bad bad[] = {
		{ "scalars without data", ECHO_SCALARS_LABEL, 0, "", { 0 } },
		{ "scalars with a byte too many", ECHO_SCALARS_LABEL, 2, "\0\0", { 0 } },
		{ "scalars: bool 2", ECHO_SCALARS_LABEL, 1, "\2", { 0 } },
		{ "scalars: padding byte set", ECHO_SCALARS_LABEL, 1, "\0", { 0x100 } },
		{ "small: register past the fields", ECHO_SMALL_LABEL, 0, "", { 0, 1 } },
		{ "small: color 3", ECHO_SMALL_LABEL, 0, "", { 3ull << 32 } },
		{ "shapes: short struct", ECHO_SHAPES_LABEL, 19, "", { 0 } },
		{ "shapes: fill 9", ECHO_SHAPES_LABEL, 20,
		  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x09\0", { 0 } },
		{ "text: unterminated", ECHO_TEXT_LABEL, 6, "hellox", { 5 } },
		{ "text: NUL inside", ECHO_TEXT_LABEL, 6, "he\0lo", { 5 } },
		{ "text: length disagrees", ECHO_TEXT_LABEL, 6, "hello", { 4 } },
		{ "text: length beyond the data", ECHO_TEXT_LABEL, 4, "abc", { 60 } },
		{ "count with data", ECHO_COUNT_LABEL, 8, "12345678", { 0 } },
		{ "count with a word", ECHO_COUNT_LABEL, 0, "", { 0, 0, 0, 1 } },
	};
	size_t n = sizeof(bad) / sizeof(bad[0]);
	struct idl_fix f;

	idl_start(&f);
	for (size_t i = 0; i < n; i++) {
		int32_t st;

		memset(f.buf->data, 0, 64);
		memcpy(f.buf->data, bad[i].data, bad[i].len);
		st = idl_raw(&f, bad[i].label, bad[i].len, 0, bad[i].w);
		if (st != MT_ERR_INVALID_ARGS)
			gt_note("%s: status %d; ", bad[i].what, st);
	}
	gt_check_notes();
	idl_check_serving(&f, n);
	idl_stop(&f);
}

GT_TEST(idl, statuses_and_bad_replies)
{
	struct idl_fix f;
	struct echo_overflow_out o;

	idl_start(&f);
	GT_OK(echo_fail(f.ep, f.buf, MT_OK));
	GT_ERR(echo_fail(f.ep, f.buf, MT_ERR_NOT_FOUND), MT_ERR_NOT_FOUND);
	GT_ERR(echo_fail(f.ep, f.buf, MT_ERR_SHOULD_WAIT), MT_ERR_SHOULD_WAIT);
	/* A reply over its bound is not sent: the caller gets BAD_STATE. */
	GT_ERR(echo_overflow(f.ep, f.buf, &o), MT_ERR_BAD_STATE);
	idl_check_serving(&f, 4);
	idl_stop(&f);
}

/* A server that breaks the protocol: replies to each call with the
 * message in bad_replies[i] (and one of its own handles for the last). */
static const struct mt_ipc_msg bad_replies[] = {
	{ MT_IPC_INFO(0, 8, 0), { 0, 0, 0, 0 }, 0 },        /* data for count() */
	{ MT_IPC_INFO(0, 0, 0), { 1, 1, 0, 0 }, 0 },        /* a stray word */
	{ MT_IPC_INFO(5, 0, 0), { 0, 0, 0, 0 }, 0 },        /* a positive label */
	{ MT_IPC_INFO(0, 0, 1), { 7, 0, 0, 0 }, 0 },        /* a handle too many */
};
#define BAD_REPLIES (sizeof(bad_replies) / sizeof(bad_replies[0]))

static void bad_server(void *arg)
{
	mt_handle_t ep = (mt_handle_t)(uintptr_t)arg;
	struct mt_ipc_buffer *buf;
	struct mt_ipc_msg in;

	if (mt_ipc_buffer_alloc(&buf) < 0)
		return;
	for (size_t i = 0; i < BAD_REPLIES; i++) {
		struct mt_ipc_msg rep = bad_replies[i];

		if (mt_recv(ep, 0, &in) < 0)
			break;
		if (MT_IPC_NHANDLES(rep.info) &&
		    mt_event_create(&buf->handles[0]) < 0)
			rep.info = MT_IPC_INFO(0, 0, 0);
		(void)mt_reply(&rep);
	}
	mt_ipc_buffer_free(buf);
}

GT_TEST(idl, client_refuses_malformed_replies)
{
	struct mt_ipc_buffer *buf;
	struct echo_count_out c;
	struct mt_object_info info;
	mt_handle_t ep, th;

	GT_OK(mt_ipc_buffer_alloc(&buf));
	GT_OK(mt_endpoint_create(&ep));
	th = gt_thread_spawn(bad_server, (void *)(uintptr_t)ep, 0);
	for (size_t i = 0; i < BAD_REPLIES; i++)
		GT_ERR(echo_count(ep, buf, &c), MT_ERR_BAD_STATE);
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	/* The event the last reply carried was closed by the stub. */
	GT_CHECK(buf->handles[0] != MT_HANDLE_INVALID);
	GT_ERR(mt_object_info(buf->handles[0], &info), MT_ERR_BAD_HANDLE);
	mt_handle_drop(th);
	mt_handle_drop(ep);
	mt_ipc_buffer_free(buf);
}
