/*
 * The record ring (ring.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

mt_status_t log_ring_init(struct log_ring *r, uint32_t capacity)
{
	if (capacity == 0 || capacity > LOG_RING_MAX)
		return MT_ERR_INVALID_ARGS;
	memset(r, 0, sizeof(*r));
	r->rec = calloc(capacity, sizeof(*r->rec));
	if (!r->rec)
		return MT_ERR_NO_MEMORY;
	r->capacity = capacity;
	return MT_OK;
}

const struct log_record *log_ring_push(struct log_ring *r,
				       const struct log_record *rec)
{
	struct log_record *slot = &r->rec[r->next % r->capacity];

	if (r->next >= r->capacity)
		r->dropped++;           /* slot held record next - capacity */
	*slot = *rec;
	slot->seq = r->next++;
	return slot;
}

const struct log_record *log_ring_find(const struct log_ring *r, uint64_t from)
{
	uint64_t oldest = r->next > r->capacity ? r->next - r->capacity : 0;

	if (from < oldest)
		from = oldest;
	if (from >= r->next)
		return NULL;
	return &r->rec[from % r->capacity];
}

const char *log_level_name(enum log_level l)
{
	static const char *const names[] = {
		"trace", "debug", "info", "warn", "error",
	};

	return log_level_valid(l) ? names[l] : "?";
}
