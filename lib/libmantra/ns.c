/*
 * The namespace client helpers (ns.h) over the generated namespace stubs.
 */
#include <libmantra/ns.h>

#include <idl/namespace.h>

mt_handle_t mt_ns(void)
{
	return mt_startup()->ns;
}

mt_status_t mt_ns_lookup(struct mt_ipc_buffer *buf, const char *name,
			 mt_handle_t *out)
{
	struct namespace_lookup_out rep;
	mt_status_t st;

	if (mt_ns() == MT_HANDLE_INVALID)
		return MT_ERR_NOT_FOUND;
	st = namespace_lookup(mt_ns(), buf, name, &rep);
	if (st >= 0)
		*out = rep.service;
	return st;
}

mt_status_t mt_ns_lookup_wait(struct mt_ipc_buffer *buf, const char *name,
			      mt_time_t deadline, uint32_t poll_ms,
			      mt_handle_t *out)
{
	mt_status_t st = mt_ns_lookup(buf, name, out);

	while (st == MT_ERR_NOT_FOUND && mt_clock_get() < deadline) {
		(void)mt_nanosleep(mt_clock_get() + (mt_time_t)poll_ms * 1000000);
		st = mt_ns_lookup(buf, name, out);
	}
	return st;
}

mt_status_t mt_ns_publish(struct mt_ipc_buffer *buf, const char *name,
			  mt_handle_t service)
{
	mt_status_t st;

	if (mt_ns() == MT_HANDLE_INVALID) {
		mt_handle_drop(service);
		return MT_ERR_NOT_FOUND;
	}
	st = namespace_publish(mt_ns(), buf, name, service);
	if (st == MT_ERR_INVALID_ARGS && mt_handle_type(service) >= 0)
		mt_handle_drop(service);    /* refused by the stub: still ours */
	return st;
}
