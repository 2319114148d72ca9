/*
 * The manifest parser and the dependency order (manifest.h; the format is
 * in docs/init.md).
 */
#include "manifest.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defaults of a service line without the keys (docs/init.md). */
#define MF_DEFAULT_BACKOFF_INITIAL (100ull * 1000000ull)     /* 100 ms */
#define MF_DEFAULT_BACKOFF_MAX     (5000ull * 1000000ull)    /* 5 s */
#define MF_DEFAULT_LIMIT           5
#define MF_DEFAULT_WINDOW          (60000ull * 1000000ull)   /* 60 s */

/* Where a line's problem is reported. */
struct mf_where {
	const char *file;
	uint32_t line;
	mf_report_fn report;
	void *ctx;
	char msg[160];
};

__attribute__((format(printf, 2, 3)))
static bool mf_error(struct mf_where *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	if (w->report)
		w->report(w->ctx, w->file, w->line, w->msg);
	return false;
}

/* A name: a lower-case letter, then letters, digits, '-' or '_'. */
static bool mf_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MF_NAME_MAX || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* A whole number (decimal or 0x hex) into *v. */
static bool mf_number(const char *s, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	*v = strtoull(s, &end, 0);
	return *end == '\0';
}

/* A duration: a number and a unit, "ms" or "s". */
static bool mf_duration(const char *s, uint64_t *ns)
{
	char *end;
	uint64_t v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	v = strtoull(s, &end, 10);
	if (v > 3600000)
		return false;
	if (strcmp(end, "ms") == 0)
		*ns = v * 1000000ull;
	else if (strcmp(end, "s") == 0)
		*ns = v * 1000000000ull;
	else
		return false;
	return true;
}

/* Split a comma list into names[] (each checked with mf_name_ok unless
 * `any`), counting *n. */
static bool mf_names(struct mf_where *w, const char *key, char *list,
		     char names[MF_LIST_MAX][MF_NAME_MAX + 1], uint32_t *n)
{
	char *save = NULL;

	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!mf_name_ok(t))
			return mf_error(w, "%s: bad name '%s'", key, t);
		if (*n == MF_LIST_MAX)
			return mf_error(w, "%s: more than %d names", key, MF_LIST_MAX);
		strcpy(names[(*n)++], t);
	}
	return true;
}

/* One grant: a name, ioport:LO-HI or irq:N. */
static bool mf_grant(struct mf_where *w, const char *t, struct mf_grant *g)
{
	char buf[MF_NAME_MAX + 1];
	char *dash;

	if (strlen(t) > MF_NAME_MAX)
		return mf_error(w, "grant '%s' too long", t);
	strcpy(g->name, t);
	strcpy(buf, t);
	if (strncmp(t, "ioport:", 7) == 0) {
		g->kind = MF_GRANT_IOPORT;
		dash = strchr(buf + 7, '-');
		if (dash)
			*dash = '\0';
		if (!mf_number(buf + 7, &g->lo) ||
		    (dash ? !mf_number(dash + 1, &g->hi) : (g->hi = g->lo, false)) ||
		    g->lo > g->hi || g->hi > 0xffff)
			return mf_error(w, "bad I/O port range '%s'", t);
		return true;
	}
	if (strncmp(t, "irq:", 4) == 0) {
		g->kind = MF_GRANT_IRQ;
		if (!mf_number(t + 4, &g->lo) || g->lo > 255)
			return mf_error(w, "bad interrupt '%s'", t);
		g->hi = g->lo;
		return true;
	}
	g->kind = MF_GRANT_SERVICE;
	if (!mf_name_ok(t))
		return mf_error(w, "bad grant '%s'", t);
	return true;
}

static bool mf_grants_list(struct mf_where *w, char *list, struct mf_service *s)
{
	char *save = NULL;

	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (s->ngrants == MF_LIST_MAX)
			return mf_error(w, "grant: more than %d", MF_LIST_MAX);
		if (!mf_grant(w, t, &s->grants[s->ngrants++]))
			return false;
	}
	return true;
}

/* restart=, backoff=INITIAL,MAX and limit=N/WINDOW. */
static bool mf_policy(struct mf_where *w, const char *key, char *val,
		      struct mf_service *s)
{
	char *sep;

	if (strcmp(key, "restart") == 0) {
		if (strcmp(val, "always") == 0)
			s->restart = MF_RESTART_ALWAYS;
		else if (strcmp(val, "on-failure") == 0)
			s->restart = MF_RESTART_ON_FAILURE;
		else if (strcmp(val, "never") == 0)
			s->restart = MF_RESTART_NEVER;
		else
			return mf_error(w, "restart: '%s' is not always, on-failure or never", val);
		return true;
	}
	if (strcmp(key, "backoff") == 0) {
		sep = strchr(val, ',');
		if (!sep)
			return mf_error(w, "backoff: want INITIAL,MAX (e.g. 100ms,5s)");
		*sep = '\0';
		if (!mf_duration(val, &s->backoff_initial_ns) ||
		    !mf_duration(sep + 1, &s->backoff_max_ns) ||
		    s->backoff_initial_ns == 0 ||
		    s->backoff_initial_ns > s->backoff_max_ns)
			return mf_error(w, "backoff: bad durations");
		return true;
	}
	/* limit */
	sep = strchr(val, '/');
	if (!sep)
		return mf_error(w, "limit: want N/WINDOW (e.g. 5/60s)");
	*sep = '\0';
	uint64_t n;
	if (!mf_number(val, &n) || n == 0 || n > 1000 ||
	    !mf_duration(sep + 1, &s->window_ns) || s->window_ns == 0)
		return mf_error(w, "limit: bad count or window");
	s->limit = (uint32_t)n;
	return true;
}

/* One KEY=VALUE word of a service line. */
static bool mf_key(struct mf_where *w, char *word, struct mf_service *s)
{
	char *val = strchr(word, '=');

	if (!val || val == word || val[1] == '\0')
		return mf_error(w, "'%s' is not KEY=VALUE", word);
	*val++ = '\0';
	if (strcmp(word, "grant") == 0)
		return mf_grants_list(w, val, s);
	if (strcmp(word, "after") == 0)
		return mf_names(w, word, val, s->after, &s->nafter);
	if (strcmp(word, "provides") == 0)
		return mf_names(w, word, val, s->provides, &s->nprovides);
	if (strcmp(word, "restart") == 0 || strcmp(word, "backoff") == 0 ||
	    strcmp(word, "limit") == 0)
		return mf_policy(w, word, val, s);
	return mf_error(w, "unknown key '%s'", word);
}

/* The program's arguments: the words after "--", one space apart. */
static bool mf_args(struct mf_where *w, char **save, struct mf_service *s)
{
	for (char *t = strtok_r(NULL, " \t", save); t; t = strtok_r(NULL, " \t", save)) {
		if (strlen(s->args) + strlen(t) + 2 > sizeof(s->args))
			return mf_error(w, "arguments longer than %d bytes", MF_ARGS_MAX);
		if (s->args[0])
			strcat(s->args, " ");
		strcat(s->args, t);
	}
	return true;
}

/* "service NAME BINARY [KEY=VALUE ...] [-- ARGS]" into *s. */
static bool mf_service_line(struct mf_where *w, char *line,
			    const struct mf_manifest *m, struct mf_service *s)
{
	char *save = NULL;
	char *t = strtok_r(line, " \t", &save);

	memset(s, 0, sizeof(*s));
	s->restart = MF_RESTART_ON_FAILURE;
	s->backoff_initial_ns = MF_DEFAULT_BACKOFF_INITIAL;
	s->backoff_max_ns = MF_DEFAULT_BACKOFF_MAX;
	s->limit = MF_DEFAULT_LIMIT;
	s->window_ns = MF_DEFAULT_WINDOW;
	s->line = w->line;
	if (strcmp(t, "service") != 0)
		return mf_error(w, "expected 'service', not '%s'", t);
	t = strtok_r(NULL, " \t", &save);
	if (!t || !mf_name_ok(t))
		return mf_error(w, "missing or bad service name '%s'", t ? t : "");
	strcpy(s->name, t);
	if (mf_find(m, s->name) >= 0)
		return mf_error(w, "service '%s' declared twice", s->name);
	t = strtok_r(NULL, " \t", &save);
	if (!t || t[0] == '-' || strchr(t, '=') || strlen(t) > MF_PATH_MAX)
		return mf_error(w, "service '%s': missing or bad binary", s->name);
	strcpy(s->binary, t);
	while ((t = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strcmp(t, "--") == 0)
			return mf_args(w, &save, s);
		if (!mf_key(w, t, s))
			return false;
	}
	return true;
}

uint32_t mf_parse(const char *file, const char *text, size_t len,
		  struct mf_manifest *out, mf_report_fn report, void *ctx)
{
	struct mf_where w = { .file = file, .report = report, .ctx = ctx };
	char line[MF_LINE_MAX + 1];
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *p, *hash;

		w.line++;
		if (n > MF_LINE_MAX) {
			mf_error(&w, "line longer than %d bytes", MF_LINE_MAX);
			out->errors++;
			pos += n + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (p = line; *p == ' ' || *p == '\t' || *p == '\r'; p++)
			;
		for (size_t i = strlen(p); i && isspace((unsigned char)p[i - 1]); i--)
			p[i - 1] = '\0';
		if (*p == '\0')
			continue;
		if (out->count == MF_SERVICES_MAX) {
			mf_error(&w, "more than %d services", MF_SERVICES_MAX);
			out->errors++;
			continue;
		}
		if (mf_service_line(&w, p, out, &out->svc[out->count]))
			out->count++;
		else
			out->errors++;
	}
	return out->count;
}

int mf_find(const struct mf_manifest *m, const char *name)
{
	for (uint32_t i = 0; i < m->count; i++)
		if (strcmp(m->svc[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool mf_grants(const struct mf_service *s, const char *name)
{
	for (uint32_t i = 0; i < s->ngrants; i++)
		if (s->grants[i].kind == MF_GRANT_SERVICE &&
		    strcmp(s->grants[i].name, name) == 0)
			return true;
	return false;
}

bool mf_provides(const struct mf_service *s, const char *name)
{
	for (uint32_t i = 0; i < s->nprovides; i++)
		if (strcmp(s->provides[i], name) == 0)
			return true;
	return false;
}

const char *mf_restart_name(enum mf_restart r)
{
	static const char *const names[] = { "never", "on-failure", "always" };

	return r <= MF_RESTART_ALWAYS ? names[r] : "?";
}

/* Depth-first visit for mf_order: 0 unvisited, 1 on the path, 2 done. */
struct mf_dfs {
	const struct mf_manifest *m;
	uint8_t mark[MF_SERVICES_MAX];
	bool *bad;
	uint32_t *order;
	uint32_t n;
	struct mf_where w;
};

static void mf_visit(struct mf_dfs *d, uint32_t i)
{
	const struct mf_service *s = &d->m->svc[i];

	d->mark[i] = 1;
	d->w.line = s->line;
	for (uint32_t k = 0; k < s->nafter && !d->bad[i]; k++) {
		int j = mf_find(d->m, s->after[k]);

		if (j < 0) {
			d->bad[i] = true;
			mf_error(&d->w, "service '%s': unknown dependency '%s'",
				 s->name, s->after[k]);
		} else if (d->mark[j] == 1) {
			d->bad[i] = true;
			mf_error(&d->w, "service '%s': dependency cycle through '%s'",
				 s->name, s->after[k]);
		} else {
			if (d->mark[j] == 0)
				mf_visit(d, (uint32_t)j);
			d->w.line = s->line;
			if (d->bad[j]) {
				d->bad[i] = true;
				mf_error(&d->w, "service '%s': dependency '%s' cannot start",
					 s->name, s->after[k]);
			}
		}
	}
	d->mark[i] = 2;
	if (!d->bad[i])
		d->order[d->n++] = i;
}

uint32_t mf_order(const struct mf_manifest *m, uint32_t order[MF_SERVICES_MAX],
		  bool bad[MF_SERVICES_MAX], const char *file,
		  mf_report_fn report, void *ctx)
{
	struct mf_dfs d = { .m = m, .bad = bad, .order = order,
			    .w = { .file = file, .report = report, .ctx = ctx } };

	memset(bad, 0, MF_SERVICES_MAX * sizeof(bool));
	for (uint32_t i = 0; i < m->count; i++)
		if (d.mark[i] == 0)
			mf_visit(&d, i);
	return d.n;
}
