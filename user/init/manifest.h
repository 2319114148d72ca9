/*
 * MantraInit's service manifest (docs/init.md): one `service` line per
 * service, parsed into struct mf_service.  A line that cannot be parsed is
 * reported (file:line) and skipped; the other lines still count.  The
 * dependency check (mf_order) marks the services whose `after=` names an
 * unknown service or closes a cycle, and orders the others.
 *
 * Freestanding of init's state: the in-guest tests link it too.
 */
#ifndef INIT_MANIFEST_H
#define INIT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MF_NAME_MAX     31      /* service and capability names: a process name (MT_NAME_MAX) */
#define MF_PATH_MAX     64      /* binary path in the boot archive */
#define MF_ARGS_MAX     256     /* the program's argument line */
#define MF_LIST_MAX     8       /* grants, after= and provides= per service */
#define MF_SERVICES_MAX 32      /* services per manifest */
#define MF_LINE_MAX     512     /* bytes per line */

enum mf_restart {
	MF_RESTART_NEVER = 0,
	MF_RESTART_ON_FAILURE = 1,      /* exit code != 0, fault or kill */
	MF_RESTART_ALWAYS = 2,
};

enum mf_grant_kind {
	MF_GRANT_SERVICE = 0,   /* a name in the namespace ("log", "init") */
	MF_GRANT_IOPORT = 1,    /* ioport:LO-HI */
	MF_GRANT_IRQ = 2,       /* irq:N */
};

struct mf_grant {
	enum mf_grant_kind kind;
	char name[MF_NAME_MAX + 1];     /* as written */
	uint64_t lo, hi;                /* ports [lo, hi]; irq: lo */
};

struct mf_service {
	char name[MF_NAME_MAX + 1];
	char binary[MF_PATH_MAX + 1];
	char args[MF_ARGS_MAX + 1];
	struct mf_grant grants[MF_LIST_MAX];
	uint32_t ngrants;
	char after[MF_LIST_MAX][MF_NAME_MAX + 1];
	uint32_t nafter;
	char provides[MF_LIST_MAX][MF_NAME_MAX + 1];
	uint32_t nprovides;
	enum mf_restart restart;
	uint64_t backoff_initial_ns;    /* first delay before a restart */
	uint64_t backoff_max_ns;        /* the delay doubles up to this */
	uint32_t limit;                 /* restarts allowed per window */
	uint64_t window_ns;
	uint32_t line;                  /* where it was declared */
};

struct mf_manifest {
	struct mf_service svc[MF_SERVICES_MAX];
	uint32_t count;
	uint32_t errors;                /* lines reported and skipped */
};

/* Told about each problem: `file`:`line` and what is wrong. */
typedef void (*mf_report_fn)(void *ctx, const char *file, uint32_t line,
			     const char *msg);

/* Parse `len` bytes of manifest text named `file` into *out (cleared
 * first).  Every bad line is reported and skipped.  Returns the number of
 * services read. */
uint32_t mf_parse(const char *file, const char *text, size_t len,
		  struct mf_manifest *out, mf_report_fn report, void *ctx);

/* Put the services of m in dependency order into order[] (indices, each
 * after the services it names in after=) and return how many; the others
 * get bad[i] = true and are reported: an unknown dependency, a cycle, or
 * a dependency that is itself bad. */
uint32_t mf_order(const struct mf_manifest *m, uint32_t order[MF_SERVICES_MAX],
		  bool bad[MF_SERVICES_MAX], const char *file,
		  mf_report_fn report, void *ctx);

/* The index of the service called `name`, or -1. */
int mf_find(const struct mf_manifest *m, const char *name);

/* Whether s lists `name` among its service grants / its provides=. */
bool mf_grants(const struct mf_service *s, const char *name);
bool mf_provides(const struct mf_service *s, const char *name);

/* "never", "on-failure", "always". */
const char *mf_restart_name(enum mf_restart r);

#endif /* INIT_MANIFEST_H */
