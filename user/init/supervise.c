/*
 * The supervisor: starting services in dependency order, noticing their
 * end, restarting them per policy with exponential back-off, and giving
 * up on a service that crashes too often (docs/init.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

/* How long stop and kill wait for a killed process to be gone. */
#define SVC_KILL_WAIT_NS (2000ll * 1000000ll)

#define SVC_ENDPOINT_RIGHTS (MT_RIGHT_WRITE | MT_RIGHT_DUPLICATE | \
			     MT_RIGHT_TRANSFER | MT_RIGHT_INFO)

const char *svc_state_name(enum init_state s)
{
	static const char *const names[] = {
		"stopped", "starting", "running", "backoff", "failed",
	};

	return init_state_valid(s) ? names[s] : "?";
}

static void svc_set(struct svc *s, enum init_state state)
{
	s->state = state;
	s->since = mt_clock_get();
}

/* A hardware grant (ioport:LO-HI, irq:N): carve it from our root
 * resources (startup.ioports / .irqs) for the service's start-up block.
 * One of each kind per service; we keep the carved handle, so every run
 * of the service gets a duplicate. */
static void svc_carve(struct svc *s, const struct mf_grant *g)
{
	const struct mt_startup *self = mt_startup();
	bool ports = g->kind == MF_GRANT_IOPORT;
	mt_handle_t root = ports ? self->ioports : self->irqs;
	mt_handle_t *out = ports ? &s->ioports : &s->irqs;
	mt_status_t st;

	if (g->kind == MF_GRANT_SERVICE)
		return;
	if (*out) {
		printf("init: %s: grant %s not available (one %s grant per "
		       "service)\n", s->mf->name, g->name, ports ? "ioport" : "irq");
		return;
	}
	if (!root) {
		printf("init: %s: grant %s not available (we hold no %s "
		       "resource)\n", s->mf->name, g->name,
		       ports ? "I/O-port" : "interrupt-line");
		return;
	}
	st = mt_resource_carve(root, (uint32_t)g->lo, (uint32_t)(g->hi - g->lo + 1), out);
	if (st < 0) {
		*out = MT_HANDLE_INVALID;
		printf("init: %s: grant %s not available: %s\n", s->mf->name,
		       g->name, mt_status_str(st));
	}
}

/* Whether service i is a driver: it has hardware and provides a name.
 * Init then creates the endpoint it serves (startup.endpoint) and
 * publishes it under its first provides= name itself. */
static bool svc_is_driver(const struct svc *s)
{
	return (s->ioports || s->irqs) && s->mf->nprovides > 0;
}

mt_status_t svc_init(struct init *in)
{
	mt_handle_t h;
	mt_status_t st;

	for (uint32_t i = 0; i < in->mf.count; i++) {
		struct svc *s = &in->svc[i];

		s->mf = &in->mf.svc[i];
		s->bad = in->bad[i];
		s->backoff_ns = s->mf->backoff_initial_ns;
		s->history = calloc(s->mf->limit, sizeof(*s->history));
		if (!s->history)
			return MT_ERR_NO_MEMORY;
		st = mt_handle_badge(in->ep, INIT_BADGE(INIT_BADGE_NS, i), &h);
		if (st >= 0)
			st = mt_handle_replace(h, SVC_ENDPOINT_RIGHTS, &s->ns);
		if (st < 0)
			return st;
		svc_set(s, s->bad ? INIT_STATE_FAILED : INIT_STATE_STARTING);
		for (uint32_t g = 0; g < s->mf->ngrants; g++)
			svc_carve(s, &s->mf->grants[g]);
	}
	return MT_OK;
}

/* Whether service i's dependencies are all running and ready. */
static bool svc_deps_ready(const struct init *in, uint32_t i)
{
	const struct mf_service *m = in->svc[i].mf;

	for (uint32_t k = 0; k < m->nafter; k++) {
		int j = mf_find(&in->mf, m->after[k]);

		if (j < 0 || in->svc[j].state != INIT_STATE_RUNNING ||
		    !dir_ready(in, (uint32_t)j))
			return false;
	}
	return true;
}

/* Spawn service i from the boot archive with its namespace, watch its
 * process, and make it RUNNING. */
static mt_status_t svc_spawn(struct init *in, uint32_t i)
{
	struct svc *s = &in->svc[i];
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args args = { 0 };
	struct mt_spawn_result res;
	struct mt_object_info info;
	struct bootfs_file file;
	mt_handle_t ep = MT_HANDLE_INVALID, send;
	mt_status_t st;

	st = mt_bootfs_file(s->mf->binary, &file);
	if (st < 0)
		return st;
	args.name = s->mf->name;
	args.image = file.data;
	args.image_size = file.size;
	args.bootfs = self->bootfs;
	args.bootfs_size = self->bootfs_size;
	args.debuglog = self->debuglog;
	args.args = s->mf->args[0] ? s->mf->args : NULL;
	args.ns = s->ns;
	args.ioports = s->ioports;
	args.irqs = s->irqs;
	if (svc_is_driver(s)) {
		st = mt_endpoint_create(&ep);
		if (st < 0)
			return st;
		args.endpoint = ep;
	}
	st = mt_spawn(&args, &res);
	if (st < 0) {
		if (ep)
			mt_handle_drop(ep);
		return st;
	}
	s->gen++;
	st = mt_port_watch(in->port, res.process, MT_SIGNAL_TERMINATED,
			   i | ((uint64_t)s->gen << 8), MT_PORT_ONCE);
	if (st < 0) {
		(void)mt_task_kill(res.process);
		mt_spawn_release(&res);
		if (ep)
			mt_handle_drop(ep);
		return st;
	}
	/* A driver's endpoint: the child alone receives on it (its calls
	 * fail with MT_ERR_PEER_CLOSED once it is gone); we publish the
	 * sending side, withdrawn when the process ends. */
	if (ep) {
		st = mt_handle_replace(ep, SVC_ENDPOINT_RIGHTS, &send);
		if (st >= 0)
			st = dir_publish_for(in, i, s->mf->provides[0], send);
		if (st < 0)
			printf("init: %s: cannot publish '%s': %s\n", s->mf->name,
			       s->mf->provides[0], mt_status_str(st));
	}
	s->process = res.process;
	res.process = MT_HANDLE_INVALID;
	mt_spawn_release(&res);
	s->koid = mt_object_info(s->process, &info) >= 0 ? info.koid : 0;
	s->started = mt_clock_get();
	svc_set(s, INIT_STATE_RUNNING);
	printf("init: %s: running (%s, koid %llu)\n", s->mf->name,
	       s->mf->binary, (unsigned long long)s->koid);
	return MT_OK;
}

/* Record a restart at `now`; false if the service already restarted
 * `limit` times within its window (it is crash-looping). */
static bool svc_may_restart(struct svc *s, mt_time_t now)
{
	uint32_t recent = 0;

	for (uint32_t k = 0; k < s->mf->limit; k++)
		if (s->history[k] && now - s->history[k] < (mt_time_t)s->mf->window_ns)
			recent++;
	if (recent >= s->mf->limit)
		return false;
	s->history[s->history_next] = now;
	s->history_next = (s->history_next + 1) % s->mf->limit;
	return true;
}

/* The service ended or could not start (`failed`: not a clean exit):
 * apply its restart policy. */
static void svc_after_end(struct init *in, uint32_t i, bool failed)
{
	struct svc *s = &in->svc[i];
	mt_time_t now = mt_clock_get();

	if (s->mf->restart == MF_RESTART_NEVER ||
	    (s->mf->restart == MF_RESTART_ON_FAILURE && !failed)) {
		svc_set(s, INIT_STATE_STOPPED);
		printf("init: %s: not restarted (restart=%s)\n", s->mf->name,
		       mf_restart_name(s->mf->restart));
		return;
	}
	if (!svc_may_restart(s, now)) {
		svc_set(s, INIT_STATE_FAILED);
		printf("init: %s: failed: %u restarts within %llu ms, giving up\n",
		       s->mf->name, s->mf->limit,
		       (unsigned long long)(s->mf->window_ns / 1000000));
		return;
	}
	/* A run longer than the longest delay was a healthy one. */
	if (s->started && now - s->started > (mt_time_t)s->mf->backoff_max_ns)
		s->backoff_ns = s->mf->backoff_initial_ns;
	s->restart_at = now + (mt_time_t)s->backoff_ns;
	printf("init: %s: restarting in %llu ms\n", s->mf->name,
	       (unsigned long long)(s->backoff_ns / 1000000));
	s->backoff_ns *= 2;
	if (s->backoff_ns > s->mf->backoff_max_ns)
		s->backoff_ns = s->mf->backoff_max_ns;
	svc_set(s, INIT_STATE_BACKOFF);
}

/* Say how a process ended; returns whether that was a failure. */
static bool svc_describe_end(struct svc *s)
{
	struct mt_task_result r = { 0 };
	static const char *const faults[] = {
		"none", "page fault", "general protection", "invalid opcode",
		"divide error", "breakpoint", "exception",
	};

	(void)mt_task_result(s->process, &r);
	s->exit_code = r.exit_code;
	if (r.state == MT_TASK_EXITED) {
		printf("init: %s: exited with code %lld\n", s->mf->name,
		       (long long)r.exit_code);
		return r.exit_code != 0;
	}
	if (r.state == MT_TASK_FAULTED)
		printf("init: %s: faulted: %s at %#llx (ip %#llx)\n", s->mf->name,
		       r.fault <= MT_FAULT_OTHER ? faults[r.fault] : "?",
		       (unsigned long long)r.fault_addr,
		       (unsigned long long)r.fault_ip);
	else
		printf("init: %s: killed\n", s->mf->name);
	return true;
}

/* Service i's process is gone: forget it; `stopping` if we ended it on
 * purpose (no restart). */
static void svc_ended(struct init *in, uint32_t i, bool stopping)
{
	struct svc *s = &in->svc[i];
	bool failed = svc_describe_end(s);

	mt_handle_drop(s->process);
	s->process = MT_HANDLE_INVALID;
	s->koid = 0;
	s->gen++;               /* the watch's packet, if still coming, is stale */
	dir_withdraw(in, i);
	if (stopping) {
		svc_set(s, INIT_STATE_STOPPED);
		return;
	}
	svc_after_end(in, i, failed);
}

void svc_ended_key(struct init *in, uint64_t key)
{
	uint32_t i = (uint32_t)(key & 0xff);

	if (i >= in->mf.count || in->svc[i].state != INIT_STATE_RUNNING ||
	    (uint32_t)(key >> 8) != in->svc[i].gen)
		return;
	svc_ended(in, i, false);
	svc_advance(in);
}

void svc_advance(struct init *in)
{
	bool all = true;

	for (uint32_t k = 0; k < in->norder; k++) {
		uint32_t i = in->order[k];
		struct svc *s = &in->svc[i];
		mt_status_t st;

		if (s->state == INIT_STATE_STARTING && svc_deps_ready(in, i)) {
			st = svc_spawn(in, i);
			if (st < 0) {
				s->exit_code = st;
				printf("init: %s: cannot start %s: %s\n", s->mf->name,
				       s->mf->binary, mt_status_str(st));
				svc_after_end(in, i, true);
			}
		}
		if (s->state != INIT_STATE_RUNNING || !dir_ready(in, i))
			all = false;
	}
	if (all && !in->announced && in->norder == in->mf.count) {
		in->announced = true;
		printf("MantraInit: %u services running\n", in->mf.count);
	}
}

mt_time_t svc_timers(struct init *in)
{
	mt_time_t now = mt_clock_get(), next = MT_TIME_INFINITE;
	bool due = false;

	for (uint32_t i = 0; i < in->mf.count; i++) {
		struct svc *s = &in->svc[i];

		if (s->state != INIT_STATE_BACKOFF)
			continue;
		if (s->restart_at <= now) {
			s->restarts++;
			svc_set(s, INIT_STATE_STARTING);
			due = true;
		} else if (s->restart_at < next) {
			next = s->restart_at;
		}
	}
	if (due) {
		svc_advance(in);
		return svc_timers(in);
	}
	return next;
}

mt_status_t svc_start(struct init *in, uint32_t i)
{
	struct svc *s = &in->svc[i];

	if (s->bad || s->state == INIT_STATE_RUNNING ||
	    s->state == INIT_STATE_STARTING)
		return MT_ERR_BAD_STATE;
	if (s->state != INIT_STATE_BACKOFF) {
		/* A start by hand forgives the past failures. */
		s->backoff_ns = s->mf->backoff_initial_ns;
		memset(s->history, 0, s->mf->limit * sizeof(*s->history));
	}
	svc_set(s, INIT_STATE_STARTING);
	svc_advance(in);
	return MT_OK;
}

/* Kill service i's process and wait until it is gone. */
static mt_status_t svc_kill_wait(struct svc *s)
{
	mt_signals_t seen = 0;
	mt_status_t st = mt_task_kill(s->process);

	if (st >= 0)
		st = mt_object_wait_one(s->process, MT_SIGNAL_TERMINATED,
					mt_clock_get() + SVC_KILL_WAIT_NS, &seen);
	return st;
}

mt_status_t svc_stop(struct init *in, uint32_t i)
{
	struct svc *s = &in->svc[i];
	mt_status_t st;

	if (s->state == INIT_STATE_RUNNING) {
		st = svc_kill_wait(s);
		if (st < 0)
			return st;
		svc_ended(in, i, true);
		printf("init: %s: stopped\n", s->mf->name);
	} else if (s->state == INIT_STATE_STARTING || s->state == INIT_STATE_BACKOFF) {
		svc_set(s, INIT_STATE_STOPPED);
	}
	return MT_OK;
}

mt_status_t svc_kill(struct init *in, uint32_t i)
{
	struct svc *s = &in->svc[i];
	mt_status_t st;

	if (s->state != INIT_STATE_RUNNING)
		return MT_ERR_BAD_STATE;
	st = svc_kill_wait(s);
	if (st < 0)
		return st;
	svc_ended(in, i, false);
	svc_advance(in);
	return MT_OK;
}

void svc_stop_all(struct init *in)
{
	for (uint32_t k = in->norder; k-- > 0;)
		(void)svc_stop(in, in->order[k]);
	for (uint32_t i = 0; i < in->mf.count; i++)
		svc_set(&in->svc[i], INIT_STATE_STOPPED);
}
