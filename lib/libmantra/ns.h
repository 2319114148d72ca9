/*
 * libmantra namespace client: the services a process may reach are the
 * names in its namespace (idl/namespace.idl), an endpoint handle it is
 * given at start (startup.ns).  MantraInit serves every service's
 * namespace with only the names its manifest entry grants (docs/init.md).
 */
#ifndef LIBMANTRA_NS_H
#define LIBMANTRA_NS_H

#include <libmantra/ipc.h>

/* The namespace this process was started with, or MT_HANDLE_INVALID. */
mt_handle_t mt_ns(void);

/* Look `name` up in our namespace: a handle to the service in *out.
 * MT_ERR_NOT_FOUND when the name is not granted to us or nothing is
 * published under it yet, or when we have no namespace.  `buf` is the
 * calling thread's registered IPC buffer. */
mt_status_t mt_ns_lookup(struct mt_ipc_buffer *buf, const char *name,
			 mt_handle_t *out) MT_WARN_UNUSED;

/* The same, retrying every `poll_ms` milliseconds while the name is not
 * found, until `deadline` (MT_ERR_NOT_FOUND then). */
mt_status_t mt_ns_lookup_wait(struct mt_ipc_buffer *buf, const char *name,
			      mt_time_t deadline, uint32_t poll_ms,
			      mt_handle_t *out) MT_WARN_UNUSED;

/* Publish `service` under `name` in our namespace; the handle is consumed
 * (also on failure).  It needs DUPLICATE, TRANSFER and INFO. */
mt_status_t mt_ns_publish(struct mt_ipc_buffer *buf, const char *name,
			  mt_handle_t service) MT_WARN_UNUSED;

#endif /* LIBMANTRA_NS_H */
