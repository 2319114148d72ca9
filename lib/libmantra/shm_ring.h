/*
 * Shared-memory channels: a single-producer single-consumer ring of
 * fixed-size 64-byte messages in a memory object both processes map, with
 * an event for wake-ups.  A message costs no system call while the peer is
 * awake; the kernel is entered only to sleep and to wake a peer that has
 * announced it sleeps.
 *
 * Layout of the memory object: one page of header (struct mt_shm_ring_hdr),
 * then `slots` slots of MT_SHM_SLOT_SIZE bytes.  `head` counts messages
 * published (written by the producer only), `tail` messages consumed
 * (written by the consumer only); both only grow, and the ring holds
 * head - tail messages (0 .. slots).  Slot i % slots holds message i.
 *
 * Sleeping and waking (no lost wake-ups): a side that finds the ring empty
 * (consumer) or full (producer) clears its event bit, sets its `waiting`
 * flag, re-checks the indices and only then waits on the bit.  The other
 * side publishes its index, then reads the flag (both sequentially
 * consistent, so at least one of them sees the other's store) and, if set,
 * clears it and sets the bit with mt_object_signal.
 *
 * The peer is not trusted: a side keeps its own copy of the geometry and
 * of its index, and an index from the peer that does not fit
 * (head - tail > slots) is MT_ERR_BAD_STATE, never a wild access.
 */
#ifndef LIBMANTRA_SHM_RING_H
#define LIBMANTRA_SHM_RING_H

#include <libmantra/mantra.h>

#define MT_SHM_SLOT_SIZE   64u
#define MT_SHM_SLOTS_MAX   65536u
#define MT_SHM_RING_MAGIC  0x474e4952534d4853ULL   /* "SHMSRING" */

/* Event bits: DATA wakes the consumer, SPACE the producer. */
#define MT_SHM_SIGNAL_DATA   (1u << 24)
#define MT_SHM_SIGNAL_SPACE  (1u << 25)

struct mt_shm_ring_hdr {
	uint64_t magic;
	uint32_t slots;                 /* a power of two */
	uint32_t slot_size;             /* MT_SHM_SLOT_SIZE */
	uint32_t closed;                /* a side has closed the ring */
	uint32_t pad0[11];
	/* producer's line */
	uint64_t head;
	uint32_t prod_waiting;          /* producer sleeps: ring full */
	uint32_t pad1;
	uint64_t wakeups_space;         /* SPACE signals sent (statistics) */
	uint64_t pad2[5];
	/* consumer's line */
	uint64_t tail;
	uint32_t cons_waiting;          /* consumer sleeps: ring empty */
	uint32_t pad3;
	uint64_t wakeups_data;          /* DATA signals sent (statistics) */
	uint64_t pad4[5];
};
_Static_assert(sizeof(struct mt_shm_ring_hdr) == 192, "mt_shm_ring_hdr layout");

/* One side's view.  Not shared between threads. */
struct mt_shm_ring {
	struct mt_shm_ring_hdr *hdr;
	uint8_t *slots;
	uint32_t nslots;                /* our own copy: the peer may lie */
	uint64_t head;                  /* producer: our copy of hdr->head */
	uint64_t tail;                  /* consumer: our copy of hdr->tail */
	mt_handle_t mem, event;
	uint64_t map_addr, map_size;
};

/* Create a ring of `slots` messages (a power of two, at most
 * MT_SHM_SLOTS_MAX): a memory object and an event, mapped here. */
mt_status_t mt_shm_ring_create(uint32_t slots, struct mt_shm_ring *r)
	MT_WARN_UNUSED;

/* Duplicates of the ring's memory object and event for the peer (to send
 * over IPC or give to a process). */
mt_status_t mt_shm_ring_share(const struct mt_shm_ring *r, mt_handle_t *mem,
			      mt_handle_t *event) MT_WARN_UNUSED;

/* The other side: map the ring from its two handles (consumed, also on
 * error) and check its header.  MT_ERR_BAD_STATE if the header does not
 * describe a ring that fits in the object. */
mt_status_t mt_shm_ring_attach(mt_handle_t mem, mt_handle_t event,
			       struct mt_shm_ring *r) MT_WARN_UNUSED;

/* Producer: copy one MT_SHM_SLOT_SIZE message in.  Waits up to `deadline`
 * while the ring is full (0: do not wait, MT_ERR_SHOULD_WAIT).
 * MT_ERR_PEER_CLOSED once the peer has closed. */
mt_status_t mt_shm_ring_send(struct mt_shm_ring *r, const void *msg,
			     mt_time_t deadline) MT_WARN_UNUSED;

/* Consumer: copy the oldest message out.  Waits up to `deadline` while
 * the ring is empty (0: do not wait, MT_ERR_SHOULD_WAIT; past the deadline
 * MT_ERR_TIMED_OUT).  MT_ERR_PEER_CLOSED when empty and the peer closed. */
mt_status_t mt_shm_ring_recv(struct mt_shm_ring *r, void *msg,
			     mt_time_t deadline) MT_WARN_UNUSED;

/* Messages in the ring now, as this side sees them. */
uint64_t mt_shm_ring_count(const struct mt_shm_ring *r);

/* Mark the ring closed (waking a sleeping peer), unmap it and close our
 * handles. */
void mt_shm_ring_close(struct mt_shm_ring *r);

#endif /* LIBMANTRA_SHM_RING_H */
