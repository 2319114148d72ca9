/*
 * The service-test fixtures (services.h).
 */
#include "services.h"

#include <stdio.h>
#include <string.h>

#include <idl/console_server.h>
#include <idl/init.h>
#include <idl/namespace_server.h>

#define GT_FAKE_POLL_MS 10

void gt_fake_init(struct gt_fake *f)
{
	mt_handle_t con;

	memset(f, 0, sizeof(*f));
	f->chunk = 5;
	GT_OK(mt_ipc_buffer_alloc(&f->buf));
	GT_OK(mt_endpoint_create(&f->ep));
	GT_OK(mt_handle_badge(f->ep, GT_FAKE_BADGE_CONSOLE, &con));
	gt_fake_add(f, "console", con);
}

void gt_fake_fini(struct gt_fake *f)
{
	for (uint32_t i = 0; i < f->nnames; i++)
		mt_handle_drop(f->names[i].h);
	mt_handle_drop(f->ep);
	mt_ipc_buffer_free(f->buf);
}

void gt_fake_add(struct gt_fake *f, const char *name, mt_handle_t h)
{
	GT_CHECK(f->nnames < GT_FAKE_NAMES && strlen(name) < sizeof(f->names[0].name));
	strcpy(f->names[f->nnames].name, name);
	f->names[f->nnames++].h = h;
}

mt_handle_t gt_fake_find(struct gt_fake *f, const char *name)
{
	for (uint32_t i = 0; i < f->nnames; i++)
		if (strcmp(f->names[i].name, name) == 0)
			return f->names[i].h;
	return MT_HANDLE_INVALID;
}

/* ---- the fake namespace ---- */

static mt_status_t ns_lookup(void *ctx, uint64_t badge,
			     const struct namespace_lookup_in *in,
			     struct namespace_lookup_out *out)
{
	mt_handle_t h = gt_fake_find(ctx, in->name);

	(void)badge;
	if (h == MT_HANDLE_INVALID)
		return MT_ERR_NOT_FOUND;
	return mt_handle_dup(h, MT_RIGHT_SAME, &out->service);
}

static mt_status_t ns_publish(void *ctx, uint64_t badge,
			      const struct namespace_publish_in *in)
{
	struct gt_fake *f = ctx;

	(void)badge;
	if (gt_fake_find(f, in->name) != MT_HANDLE_INVALID ||
	    f->nnames == GT_FAKE_NAMES) {
		mt_handle_drop(in->service);
		return MT_ERR_ALREADY_EXISTS;
	}
	gt_fake_add(f, in->name, in->service);
	return MT_OK;
}

static const struct namespace_ops gt_ns_ops = {
	.lookup = ns_lookup,
	.publish = ns_publish,
};

/* ---- the fake console ---- */

static mt_status_t con_write(void *ctx, uint64_t badge,
			     const struct console_write_in *in,
			     struct console_write_out *out)
{
	struct gt_fake *f = ctx;
	size_t n = in->data_len;

	(void)badge;
	if (n > GT_FAKE_OUT_MAX - f->out_len)
		n = GT_FAKE_OUT_MAX - f->out_len;
	memcpy(f->out + f->out_len, in->data, n);
	f->out_len += n;
	f->out[f->out_len] = '\0';
	out->written = in->data_len;
	return MT_OK;
}

/* The script in pieces of f->chunk bytes; then the console is closed. */
static mt_status_t con_read(void *ctx, uint64_t badge,
			    const struct console_read_in *in,
			    struct console_read_out *out)
{
	struct gt_fake *f = ctx;
	size_t n = f->input_len - f->input_pos;

	(void)badge;
	if (n == 0)
		return MT_ERR_PEER_CLOSED;
	if (n > f->chunk)
		n = f->chunk;
	if (n > in->max)
		n = in->max;
	memcpy(out->data, f->input + f->input_pos, n);
	out->data_len = (uint32_t)n;
	f->input_pos += n;
	return MT_OK;
}

static const struct console_ops gt_con_ops = {
	.write = con_write,
	.read = con_read,
};

void gt_fake_spawn(struct gt_fake *f, const char *path, const char *name,
		   const char *args, struct mt_spawn_result *out)
{
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args sa = { 0 };
	struct bootfs_file file;
	mt_handle_t ns;

	GT_OK(mt_bootfs_file(path, &file));
	GT_OK(mt_handle_badge(f->ep, GT_FAKE_BADGE_NS, &ns));
	sa.name = name;
	sa.image = file.data;
	sa.image_size = file.size;
	sa.bootfs = self->bootfs;
	sa.bootfs_size = self->bootfs_size;
	sa.debuglog = self->debuglog;
	sa.args = args;
	sa.ns = ns;
	GT_OK(mt_spawn(&sa, out));
	mt_handle_drop(ns);
	gt_helper_track(out->process);
}

/* Whether the fake may stop serving. */
static bool gt_fake_done(struct gt_fake *f, const char *name, mt_handle_t process)
{
	mt_signals_t seen = 0;

	if (name)
		return gt_fake_find(f, name) != MT_HANDLE_INVALID;
	(void)mt_object_wait_one(process, MT_SIGNAL_TERMINATED, 0, &seen);
	return seen & MT_SIGNAL_TERMINATED;
}

void gt_fake_serve(struct gt_fake *f, const char *name, mt_handle_t process,
		   uint64_t ms)
{
	mt_time_t end = gt_deadline_ms(ms);
	struct mt_ipc_msg m, reply;
	mt_status_t st;

	while (!gt_fake_done(f, name, process)) {
		if (mt_clock_get() > end)
			gt_fail("fake: still waiting for %s after %llu ms (output: %s)",
				name ? name : "the process to end",
				(unsigned long long)ms, f->out);
		f->buf->deadline = gt_deadline_ms(GT_FAKE_POLL_MS);
		st = mt_recv(f->ep, MT_IPC_TIMEOUT, &m);
		if (st == MT_ERR_TIMED_OUT)
			continue;
		GT_OK(st);
		if (MT_IPC_LABEL(m.info) >> 16 == CONSOLE_ID &&
		    m.badge == GT_FAKE_BADGE_CONSOLE)
			console_dispatch(&gt_con_ops, f, &m, f->buf, &reply);
		else
			namespace_dispatch(&gt_ns_ops, f, &m, f->buf, &reply);
		(void)mt_reply(&reply);
	}
}

mt_handle_t gt_init_start(struct gt_fake *f, const char *manifest,
			  struct mt_spawn_result *init)
{
	char args[96];

	snprintf(args, sizeof(args), "manifest=test/%s", manifest);
	gt_fake_spawn(f, "bin/init", "init", args, init);
	gt_fake_serve(f, "init", MT_HANDLE_INVALID, 3000);
	return gt_fake_find(f, "init");
}

void gt_init_stop(struct gt_fake *f, mt_handle_t ctl,
		  struct mt_spawn_result *init)
{
	GT_OK(init_shutdown(ctl, f->buf));
	gt_wait(init->process, MT_SIGNAL_TERMINATED, 3000);
	gt_helper_release(init);
}

struct init_status gt_init_wait(struct gt_fake *f, mt_handle_t ctl,
				const char *name, uint32_t state, uint64_t ms)
{
	mt_time_t end = gt_deadline_ms(ms);
	struct init_status_out s;

	for (;;) {
		GT_OK(init_status(ctl, f->buf, name, &s));
		if (s.status.state == state)
			return s.status;
		if (mt_clock_get() > end)
			gt_fail("service %s: state %u, expected %u after %llu ms",
				name, s.status.state, state, (unsigned long long)ms);
		(void)mt_nanosleep(gt_deadline_ms(5));
	}
}

void gt_init_exit_code(struct gt_fake *f, mt_handle_t ctl, const char *name,
		       int64_t code)
{
	struct init_status s = gt_init_wait(f, ctl, name, INIT_STATE_STOPPED, 3000);

	if (s.exit_code != code)
		gt_fail("service %s exited with %lld, expected %lld", name,
			(long long)s.exit_code, (long long)code);
}

void gt_kill_wait(struct mt_spawn_result *res)
{
	GT_OK(mt_task_kill(res->process));
	gt_wait(res->process, MT_SIGNAL_TERMINATED, 3000);
	gt_helper_release(res);
}
