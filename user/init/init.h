/*
 * MantraInit, the supervisor (docs/init.md): its state and the functions
 * the server loop (main.c), the supervisor (supervise.c) and the
 * namespace directory (directory.c) share.
 *
 * One thread owns all of this state: the server loop.  The watcher thread
 * (main.c) only waits on the port and reports packets through initev.idl,
 * so nothing here needs a lock.
 */
#ifndef INIT_INIT_H
#define INIT_INIT_H

#include <libmantra/ipc.h>

#include <idl/init.h>

#include "manifest.h"

/* Badges of the handles to init's one endpoint: what the caller may do. */
#define INIT_BADGE_KIND(b)   ((b) >> 40)
#define INIT_BADGE_NS        1ull    /* a service's namespace; low bits: index */
#define INIT_BADGE_CONTROL   2ull    /* init.idl */
#define INIT_BADGE_WATCH     3ull    /* initev.idl: our own watcher */
#define INIT_BADGE(kind, low) (((uint64_t)(kind) << 40) | (low))
/* The badge of a service's handles to the services it looks up: its
 * index + 1, so servers (logd) can tell their clients apart. */
#define INIT_CLIENT_BADGE(i) ((uint64_t)(i) + 1)

#define INIT_PUBLISHED_MAX (MF_SERVICES_MAX * MF_LIST_MAX)

/*
 * A service's state machine (init.idl enum init_state):
 *   STARTING --deps ready, spawned--> RUNNING --ended--> BACKOFF | STOPPED | FAILED
 *   BACKOFF --delay over--> STARTING;   stop: any --> STOPPED
 *   start: STOPPED | FAILED --> STARTING
 * `process` is live exactly in RUNNING.  A service with a bad dependency
 * (`bad`) stays FAILED.
 */
struct svc {
	const struct mf_service *mf;
	enum init_state state;
	bool bad;
	mt_handle_t process;        /* RUNNING only */
	mt_handle_t ns;             /* our badged namespace handle for it */
	mt_handle_t ioports;        /* carved from our root resources for its */
	mt_handle_t irqs;           /* hardware grants (startup), or 0 */
	uint64_t koid;
	uint32_t gen;               /* watch generation: stale packets differ */
	uint32_t restarts;
	int64_t exit_code;
	mt_time_t since;            /* last state change */
	mt_time_t started;          /* last spawn */
	mt_time_t restart_at;       /* BACKOFF: when */
	uint64_t backoff_ns;        /* the next back-off delay */
	mt_time_t *history;         /* restart times, a ring of mf->limit */
	uint32_t history_next;
};

/* A name a service published, with its handle (owned by init). */
struct published {
	char name[MF_NAME_MAX + 1];
	mt_handle_t service;
	uint32_t owner;             /* index of the publishing service */
	bool used;
};

struct init {
	const char *file;           /* the manifest's name */
	struct mf_manifest mf;
	struct svc svc[MF_SERVICES_MAX];
	uint32_t order[MF_SERVICES_MAX];
	uint32_t norder;
	bool bad[MF_SERVICES_MAX];  /* dependency errors (mf_order) */
	struct published pub[INIT_PUBLISHED_MAX];
	mt_handle_t ep;             /* the endpoint (READ: ours alone) */
	mt_handle_t control;        /* badged CONTROL, for the namespaces */
	mt_handle_t watch;          /* badged WATCH, for the watcher */
	mt_handle_t port;
	struct mt_ipc_buffer *buf;  /* the server thread's */
	bool exiting;               /* shutdown: exit after the reply */
	bool announced;             /* "all services running" said once */
};

/* ---- supervise.c ---- */

/* Set up the service table from the manifest, order and bad[]. */
mt_status_t svc_init(struct init *in) MT_WARN_UNUSED;

/* Start every STARTING service whose dependencies are ready, in
 * dependency order. */
void svc_advance(struct init *in);

/* A watch packet: the service's process ended (stale keys are ignored). */
void svc_ended_key(struct init *in, uint64_t key);

/* Restart the BACKOFF services whose delay is over; returns the earliest
 * pending restart time, or MT_TIME_INFINITE. */
mt_time_t svc_timers(struct init *in);

/* The control operations (init.idl) on service i. */
mt_status_t svc_start(struct init *in, uint32_t i) MT_WARN_UNUSED;
mt_status_t svc_stop(struct init *in, uint32_t i) MT_WARN_UNUSED;
mt_status_t svc_kill(struct init *in, uint32_t i) MT_WARN_UNUSED;
void svc_stop_all(struct init *in);

/* "running", "backoff", ... */
const char *svc_state_name(enum init_state s);

/* ---- directory.c ---- */

/* Whether every name service i provides is published (it is ready for
 * its dependents). */
bool dir_ready(const struct init *in, uint32_t i);

/* Withdraw what service i published (its process ended). */
void dir_withdraw(struct init *in, uint32_t i);

/* Publish `service` (ours from now on) as `name` for service i, which
 * provides it; no dependents are started from here. */
mt_status_t dir_publish_for(struct init *in, uint32_t i, const char *name,
			    mt_handle_t service) MT_WARN_UNUSED;

/* Serve one namespace call of service i. */
void dir_dispatch(struct init *in, uint32_t i, const struct mt_ipc_msg *m,
		  struct mt_ipc_msg *reply);

#endif /* INIT_INIT_H */
