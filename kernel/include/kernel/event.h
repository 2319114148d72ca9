/* Events (object/event.c): objects whose only state is the user signals
 * (MT_SIGNAL_USER_ALL) their holders set and clear with mt_object_signal. */
#ifndef KERNEL_EVENT_H
#define KERNEL_EVENT_H

#include <kernel/object.h>

/* A new event with no signals and one reference; MT_ERR_NO_MEMORY. */
mt_status_t event_create(struct object **out) __must_check;

#endif /* KERNEL_EVENT_H */
