/*
 * Fixtures of the service tests (t19_init.c, t20_log.c, t21_msh.c,
 * t22_ns.c): the test process plays the parent of a service (MantraInit,
 * logd, msh) started from the boot archive: it serves, on one endpoint, a
 * fake namespace (lookups of the names it holds, publications) and a fake
 * console (idl/console.idl: scripted input, captured output) that the
 * shell can be tested through until the UART driver exists.
 */
#ifndef GUEST_SERVICES_H
#define GUEST_SERVICES_H

#include "guest.h"

#include <libmantra/ipc.h>

#define GT_FAKE_NAMES   8
#define GT_FAKE_OUT_MAX 16384

/* Badges of the fake's handles: a namespace, or the console. */
#define GT_FAKE_BADGE_NS      1
#define GT_FAKE_BADGE_CONSOLE 2

struct gt_fake {
	mt_handle_t ep;                 /* READ: the test's */
	struct mt_ipc_buffer *buf;      /* the test thread's */
	struct {
		char name[65];
		mt_handle_t h;
	} names[GT_FAKE_NAMES];
	uint32_t nnames;
	const char *input;              /* console script */
	size_t input_len, input_pos;
	uint32_t chunk;                 /* bytes per console read */
	char out[GT_FAKE_OUT_MAX + 1];  /* console output, NUL-terminated */
	size_t out_len;
};

/* Set up the endpoint; the console is offered under "console". */
void gt_fake_init(struct gt_fake *f);

/* Close every handle the fake holds. */
void gt_fake_fini(struct gt_fake *f);

/* Offer `h` (kept by the fake) under `name`. */
void gt_fake_add(struct gt_fake *f, const char *name, mt_handle_t h);

/* The handle published or added as `name`, or MT_HANDLE_INVALID. */
mt_handle_t gt_fake_find(struct gt_fake *f, const char *name);

/* Spawn the boot-archive program `path` as `name` with `args` and a
 * namespace handle to the fake (tracked for clean-up). */
void gt_fake_spawn(struct gt_fake *f, const char *path, const char *name,
		   const char *args, struct mt_spawn_result *out);

/* Serve the fake until `name` is published (name != NULL) or `process`
 * has ended (name == NULL); fails the test after `ms` milliseconds. */
void gt_fake_serve(struct gt_fake *f, const char *name, mt_handle_t process,
		   uint64_t ms);

/* Start MantraInit on test/<manifest> under the fake and return its
 * control handle (published as "init"). */
mt_handle_t gt_init_start(struct gt_fake *f, const char *manifest,
			  struct mt_spawn_result *init);

/* Shut init down (init.idl shutdown) and wait for it to end. */
void gt_init_stop(struct gt_fake *f, mt_handle_t ctl,
		  struct mt_spawn_result *init);

/* Poll init until service `name` is in `state` (enum init_state); fails
 * the test after `ms`.  Returns its status. */
struct init_status gt_init_wait(struct gt_fake *f, mt_handle_t ctl,
				const char *name, uint32_t state, uint64_t ms);

/* Wait until service `name` has stopped and check its exit code. */
void gt_init_exit_code(struct gt_fake *f, mt_handle_t ctl, const char *name,
		       int64_t code);

/* Kill a process we started and wait until it is gone. */
void gt_kill_wait(struct mt_spawn_result *res);

#endif /* GUEST_SERVICES_H */
