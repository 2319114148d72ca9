/*
 * The namespace directory: every service's namespace (idl/namespace.idl)
 * is served here, on a handle badged with the service's index, and shows
 * only the names its manifest line grants it (docs/init.md).  A service
 * publishes only the names its provides= lists.
 */
#include <stdio.h>
#include <string.h>

#include <idl/namespace_server.h>

#include "init.h"

static struct published *dir_find(struct init *in, const char *name)
{
	for (uint32_t k = 0; k < INIT_PUBLISHED_MAX; k++)
		if (in->pub[k].used && strcmp(in->pub[k].name, name) == 0)
			return &in->pub[k];
	return NULL;
}

bool dir_ready(const struct init *in, uint32_t i)
{
	const struct mf_service *m = in->svc[i].mf;

	for (uint32_t k = 0; k < m->nprovides; k++) {
		struct published *p = dir_find((struct init *)in, m->provides[k]);

		if (!p || p->owner != i)
			return false;
	}
	return true;
}

void dir_withdraw(struct init *in, uint32_t i)
{
	for (uint32_t k = 0; k < INIT_PUBLISHED_MAX; k++) {
		struct published *p = &in->pub[k];

		if (p->used && p->owner == i) {
			mt_handle_drop(p->service);
			memset(p, 0, sizeof(*p));
		}
	}
}

/* Whether `name` is reachable now: init's own control, or published. */
static bool dir_available(struct init *in, const char *name)
{
	return strcmp(name, "init") == 0 || dir_find(in, name) != NULL;
}

static uint32_t dir_caller(uint64_t badge)
{
	return (uint32_t)(badge & 0xff);
}

static mt_status_t dir_lookup(void *ctx, uint64_t badge,
			      const struct namespace_lookup_in *q,
			      struct namespace_lookup_out *out)
{
	struct init *in = ctx;
	uint32_t i = dir_caller(badge);
	const struct mf_service *m = in->svc[i].mf;
	struct published *p;
	mt_status_t st;

	for (uint32_t g = 0; g < m->ngrants; g++)
		if (m->grants[g].kind != MF_GRANT_SERVICE &&
		    strcmp(m->grants[g].name, q->name) == 0)
			return MT_ERR_NOT_SUPPORTED;    /* hardware: in the start-up block */
	if (!mf_grants(m, q->name))
		return MT_ERR_NOT_FOUND;
	if (strcmp(q->name, "init") == 0)
		return mt_handle_dup(in->control, MT_RIGHT_SAME, &out->service);
	p = dir_find(in, q->name);
	if (!p)
		return MT_ERR_NOT_FOUND;
	/* Badged for the caller where the handle allows it. */
	st = mt_handle_badge(p->service, INIT_CLIENT_BADGE(i), &out->service);
	if (st < 0)
		st = mt_handle_dup(p->service, MT_RIGHT_SAME, &out->service);
	return st;
}

static mt_status_t dir_list(void *ctx, uint64_t badge,
			    const struct namespace_list_in *q,
			    struct namespace_list_out *out)
{
	struct init *in = ctx;
	const struct mf_service *m = in->svc[dir_caller(badge)].mf;
	uint32_t n = 0;

	for (uint32_t g = 0; g < m->ngrants; g++) {
		const struct mf_grant *gr = &m->grants[g];

		if (gr->kind != MF_GRANT_SERVICE || !dir_available(in, gr->name))
			continue;
		if (n++ == q->index) {
			strcpy(out->name, gr->name);
			return MT_OK;
		}
	}
	return MT_ERR_NOT_FOUND;
}

mt_status_t dir_publish_for(struct init *in, uint32_t i, const char *name,
			    mt_handle_t service)
{
	struct published *free_slot = NULL;

	if (!mf_provides(in->svc[i].mf, name) || strcmp(name, "init") == 0) {
		mt_handle_drop(service);
		return MT_ERR_ACCESS_DENIED;
	}
	if (dir_find(in, name)) {
		mt_handle_drop(service);
		return MT_ERR_ALREADY_EXISTS;
	}
	for (uint32_t k = 0; k < INIT_PUBLISHED_MAX && !free_slot; k++)
		if (!in->pub[k].used)
			free_slot = &in->pub[k];
	/* Never full: at most MF_LIST_MAX provides per service. */
	strcpy(free_slot->name, name);
	free_slot->service = service;
	free_slot->owner = i;
	free_slot->used = true;
	printf("init: %s: published '%s'\n", in->svc[i].mf->name, name);
	return MT_OK;
}

static mt_status_t dir_publish(void *ctx, uint64_t badge,
			       const struct namespace_publish_in *q)
{
	struct init *in = ctx;
	mt_status_t st = dir_publish_for(in, dir_caller(badge), q->name, q->service);

	if (st >= 0)
		svc_advance(in);        /* its dependents may be ready now */
	return st;
}

static const struct namespace_ops dir_ops = {
	.lookup = dir_lookup,
	.list = dir_list,
	.publish = dir_publish,
};

void dir_dispatch(struct init *in, uint32_t i, const struct mt_ipc_msg *m,
		  struct mt_ipc_msg *reply)
{
	(void)i;
	namespace_dispatch(&dir_ops, in, m, in->buf, reply);
}
