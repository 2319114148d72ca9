/*
 * MantraLogd's record ring: a fixed number of records, the oldest dropped
 * (and counted) when a new one needs its slot.  Records are numbered from
 * 0 in the order written; record `seq` lives in slot seq % capacity while
 * seq >= next - capacity.
 */
#ifndef LOGD_RING_H
#define LOGD_RING_H

#include <idl/log.h>

#define LOG_RING_DEFAULT 256u
#define LOG_RING_MAX     4096u

struct log_record {
	uint64_t seq;
	uint64_t time;          /* monotonic ns when written */
	uint64_t badge;         /* of the writer's handle: who wrote it */
	enum log_level level;
	char component[LOG_COMPONENT_MAX + 1];
	char message[LOG_MESSAGE_MAX + 1];
};

struct log_ring {
	struct log_record *rec; /* capacity slots */
	uint32_t capacity;
	uint64_t next;          /* the sequence number of the next record */
	uint64_t dropped;       /* records overwritten by newer ones */
};

/* Allocate a ring of `capacity` records (1..LOG_RING_MAX). */
mt_status_t log_ring_init(struct log_ring *r, uint32_t capacity) MT_WARN_UNUSED;

/* Append a record (its seq is set here) and return it. */
const struct log_record *log_ring_push(struct log_ring *r,
				       const struct log_record *rec);

/* The oldest record with seq >= from, or NULL if there is none yet. */
const struct log_record *log_ring_find(const struct log_ring *r, uint64_t from);

/* "trace", "debug", "info", "warn", "error". */
const char *log_level_name(enum log_level l);

#endif /* LOGD_RING_H */
