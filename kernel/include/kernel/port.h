/*
 * Ports (object/port.c): a queue of packets, filled by port observers
 * watching other objects' signals and by user code (mt_port_queue), and
 * drained by mt_port_wait.
 *
 * Observers are the only link from an object to the ports watching it
 * (struct object.observers).  They hold no reference either way: when the
 * watched object is destroyed its observers are disarmed (the port gets
 * nothing more from it), and when the port is destroyed its observers are
 * unlinked from every object they watch.  So a watch never keeps an object
 * alive and never dangles.
 *
 * Queues and observer lists change with interrupts disabled (object_signal
 * may be called from an interrupt handler; kmalloc is safe there too).
 */
#ifndef KERNEL_PORT_H
#define KERNEL_PORT_H

#include <kernel/object.h>

struct port;

/* Watches per port: each owns one reserve packet (port.c). */
#define PORT_WATCHES_MAX MT_PORT_QUEUE_MAX

/* A new empty port with one reference; MT_ERR_NO_MEMORY. */
mt_status_t port_create(struct port **out) __must_check;

static inline struct object *port_object(struct port *p)
{
	return (struct object *)p;      /* struct object comes first */
}

/* Watch `obj` for `signals` (see mt_port_watch); fires at once if one is
 * already raised.  MT_ERR_INVALID_ARGS (no or unknown signals, bad mode),
 * MT_ERR_WRONG_TYPE (obj is a port: ports are not watched, which keeps
 * object_signal from nesting), MT_ERR_NO_RESOURCES (PORT_WATCHES_MAX),
 * MT_ERR_NO_MEMORY. */
mt_status_t port_watch(struct port *p, struct object *obj, mt_signals_t signals,
		       uint64_t key, uint32_t mode) __must_check;

/* Remove every watch with `key` and its queued packet; MT_ERR_NOT_FOUND if
 * there was none. */
mt_status_t port_cancel(struct port *p, uint64_t key) __must_check;

/* Queue a user packet (type forced to MT_PORT_PACKET_USER);
 * MT_ERR_SHOULD_WAIT when the port holds MT_PORT_QUEUE_MAX packets or the
 * kernel heap is exhausted. */
mt_status_t port_queue_user(struct port *p, const struct mt_port_packet *pkt) __must_check;

/* Take the oldest packet without blocking; false when the port is empty. */
bool port_take(struct port *p, struct mt_port_packet *out) __must_check;

/* Packets queued on p. */
uint32_t port_queued(const struct port *p);

/* Hooks for object.c, interrupts disabled: `rising` bits of obj went from
 * 0 to 1; obj is about to be destroyed. */
void port_observers_fire(struct object *obj, mt_signals_t rising);
void port_observers_detach(struct object *obj);

#endif /* KERNEL_PORT_H */
