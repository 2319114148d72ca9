/* The kernel debug-log object (object/debuglog.c). */
#ifndef KERNEL_DEBUGLOG_H
#define KERNEL_DEBUGLOG_H

#include <kernel/object.h>

/* The one debug-log object (made on first use). */
struct object *debuglog_get(void);

#endif /* KERNEL_DEBUGLOG_H */
