/*
 * MantraInit: the first process.  Reads the service manifest from the boot
 * archive, starts the services in dependency order, supervises them and
 * serves its control protocol (init.idl), every service's namespace
 * (namespace.idl) and its own watcher's reports (initev.idl) on one
 * endpoint, told apart by badge.  docs/init.md.
 *
 * Arguments: manifest=PATH (default: the archive's `manifest`).  Started with
 * a namespace of its own (a parent that nests it, like the tests), it
 * publishes its control endpoint there as "init".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmantra/ns.h>

#include <idl/init_server.h>
#include <idl/initev_server.h>
#include <idl/namespace.h>

#include "init.h"

#define INIT_MANIFEST_DEFAULT "manifest"

static void init_report(void *ctx, const char *file, uint32_t line,
			const char *msg)
{
	(void)ctx;
	printf("init: %s:%u: %s (skipped)\n", file, line, msg);
}

/* The service called `name`, or -1. */
static int init_svc(struct init *in, const char *name)
{
	return mf_find(&in->mf, name);
}

/* ---- the control protocol (init.idl) ---------------------------------- */

static mt_status_t ctl_list(void *ctx, uint64_t badge,
			    const struct init_list_in *q, struct init_list_out *out)
{
	struct init *in = ctx;

	(void)badge;
	if (q->index >= in->mf.count)
		return MT_ERR_NOT_FOUND;
	strcpy(out->name, in->mf.svc[q->index].name);
	return MT_OK;
}

static mt_status_t ctl_status(void *ctx, uint64_t badge,
			      const struct init_status_in *q,
			      struct init_status_out *out)
{
	struct init *in = ctx;
	int i = init_svc(in, q->name);
	const struct svc *s;

	(void)badge;
	if (i < 0)
		return MT_ERR_NOT_FOUND;
	s = &in->svc[i];
	out->status.state = s->state;
	out->status.restarts = s->restarts;
	out->status.koid = s->koid;
	out->status.exit_code = s->exit_code;
	out->status.since = (uint64_t)s->since;
	return MT_OK;
}

/* The control operations that take a name share this shape. */
static mt_status_t ctl_named(struct init *in, const char *name,
			     mt_status_t (*op)(struct init *, uint32_t))
{
	int i = init_svc(in, name);

	return i < 0 ? MT_ERR_NOT_FOUND : op(in, (uint32_t)i);
}

static mt_status_t ctl_start(void *ctx, uint64_t badge,
			     const struct init_start_in *q)
{
	(void)badge;
	return ctl_named(ctx, q->name, svc_start);
}

static mt_status_t ctl_stop(void *ctx, uint64_t badge,
			    const struct init_stop_in *q)
{
	(void)badge;
	return ctl_named(ctx, q->name, svc_stop);
}

static mt_status_t svc_restart(struct init *in, uint32_t i)
{
	mt_status_t st = svc_stop(in, i);

	return st < 0 ? st : svc_start(in, i);
}

static mt_status_t ctl_restart(void *ctx, uint64_t badge,
			       const struct init_restart_in *q)
{
	(void)badge;
	return ctl_named(ctx, q->name, svc_restart);
}

static mt_status_t ctl_kill(void *ctx, uint64_t badge,
			    const struct init_kill_in *q)
{
	(void)badge;
	return ctl_named(ctx, q->name, svc_kill);
}

static mt_status_t ctl_shutdown(void *ctx, uint64_t badge)
{
	struct init *in = ctx;

	(void)badge;
	printf("init: shutting down\n");
	svc_stop_all(in);
	in->exiting = true;
	return MT_OK;
}

static const struct init_ops ctl_ops = {
	.list = ctl_list,
	.status = ctl_status,
	.start = ctl_start,
	.stop = ctl_stop,
	.restart = ctl_restart,
	.kill = ctl_kill,
	.shutdown = ctl_shutdown,
};

/* ---- the watcher's reports (initev.idl) ------------------------------- */

static mt_status_t ev_ended(void *ctx, uint64_t badge,
			    const struct initev_ended_in *q)
{
	(void)badge;
	svc_ended_key(ctx, q->key);
	return MT_OK;
}

static const struct initev_ops ev_ops = { .ended = ev_ended };

/* The watcher thread: waits on the port and reports every packet. */
static void init_watcher(void *arg)
{
	struct init *in = arg;
	struct mt_ipc_buffer *buf;
	struct mt_port_packet pkt;

	if (mt_ipc_buffer_alloc(&buf) < 0) {
		printf("init: watcher: no IPC buffer\n");
		return;
	}
	while (mt_port_wait(in->port, MT_TIME_INFINITE, &pkt) >= 0)
		(void)initev_ended(in->watch, buf, pkt.key, pkt.observed);
}

/* ---- the server loop -------------------------------------------------- */

/* Answer one call: which interface a caller may use depends on its
 * badge; anything else is refused. */
static void init_dispatch_one(struct init *in, const struct mt_ipc_msg *m,
			      struct mt_ipc_msg *reply)
{
	uint32_t iface = MT_IPC_LABEL(m->info) >> 16;
	uint64_t kind = INIT_BADGE_KIND(m->badge);

	if (iface == NAMESPACE_ID && kind == INIT_BADGE_NS &&
	    (m->badge & 0xff) < in->mf.count)
		dir_dispatch(in, (uint32_t)(m->badge & 0xff), m, reply);
	else if (iface == INIT_ID && kind == INIT_BADGE_CONTROL)
		init_dispatch(&ctl_ops, in, m, in->buf, reply);
	else if (iface == INITEV_ID && kind == INIT_BADGE_WATCH)
		initev_dispatch(&ev_ops, in, m, in->buf, reply);
	else
		idl_refuse(m, in->buf, reply, MT_ERR_ACCESS_DENIED);
}

/* Receive, dispatch, reply; between calls, restart the services whose
 * back-off is over (the receive times out at the earliest). */
static int init_loop(struct init *in)
{
	struct mt_ipc_msg m, reply;
	mt_time_t next;
	mt_status_t st;

	for (;;) {
		next = svc_timers(in);
		in->buf->deadline = next;
		st = mt_recv(in->ep, next == MT_TIME_INFINITE ? 0 : MT_IPC_TIMEOUT, &m);
		if (st == MT_ERR_TIMED_OUT)
			continue;
		if (st < 0) {
			printf("init: receive failed: %s\n", mt_status_str(st));
			return 1;
		}
		init_dispatch_one(in, &m, &reply);
		(void)mt_reply(&reply);
		if (in->exiting)
			return 0;
	}
}

/* Read and check the manifest; the bad lines are reported and skipped. */
static mt_status_t init_load(struct init *in)
{
	struct bootfs_file file;
	mt_status_t st = mt_bootfs_file(in->file, &file);

	if (st < 0) {
		printf("init: cannot read the manifest %s: %s\n", in->file,
		       mt_status_str(st));
		return st;
	}
	mf_parse(in->file, file.data, file.size, &in->mf, init_report, NULL);
	in->norder = mf_order(&in->mf, in->order, in->bad, in->file,
			      init_report, NULL);
	return MT_OK;
}

/* Our endpoint, its badged handles, the port and the watcher thread. */
static mt_status_t init_setup(struct init *in)
{
	mt_handle_t h, th;
	mt_status_t st;

	st = mt_ipc_buffer_alloc(&in->buf);
	if (st >= 0)
		st = mt_endpoint_create(&in->ep);
	if (st >= 0)
		st = mt_port_create(&in->port);
	if (st >= 0)
		st = mt_handle_badge(in->ep, INIT_BADGE(INIT_BADGE_CONTROL, 0), &h);
	if (st >= 0)
		st = mt_handle_replace(h, MT_RIGHT_WRITE | MT_RIGHT_DUPLICATE |
				       MT_RIGHT_TRANSFER | MT_RIGHT_INFO,
				       &in->control);
	if (st >= 0)
		st = mt_handle_badge(in->ep, INIT_BADGE(INIT_BADGE_WATCH, 0), &in->watch);
	if (st >= 0)
		st = mt_thread_run("watcher", init_watcher, in, &th);
	if (st >= 0)
		mt_handle_drop(th);
	return st;
}

/* Nested under a parent: publish our control endpoint in its namespace. */
static void init_publish_control(struct init *in)
{
	mt_handle_t h;
	mt_status_t st;

	if (mt_ns() == MT_HANDLE_INVALID)
		return;
	st = mt_handle_dup(in->control, MT_RIGHT_SAME, &h);
	if (st >= 0)
		st = mt_ns_publish(in->buf, "init", h);
	if (st < 0)
		printf("init: cannot publish 'init' in our namespace: %s\n",
		       mt_status_str(st));
}

int main(void)
{
	static struct init in;
	static char path[MF_PATH_MAX + 1];
	mt_status_t st;

	if (!mt_startup_arg("manifest", path, sizeof(path)))
		strcpy(path, INIT_MANIFEST_DEFAULT);
	in.file = path;
	st = init_load(&in);
	if (st < 0)
		return 1;
	printf("MantraInit: started, %u services in %s\n", in.mf.count, in.file);
	st = init_setup(&in);
	if (st >= 0)
		st = svc_init(&in);
	if (st < 0) {
		printf("init: cannot set up: %s\n", mt_status_str(st));
		return 1;
	}
	init_publish_control(&in);
	svc_advance(&in);
	return init_loop(&in);
}
