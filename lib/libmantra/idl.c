/*
 * Runtime support for generated IDL code (see idl.h, docs/idl.md).
 */
#include <libmantra/idl.h>

bool idl_regs_clean(const uint8_t r[IDL_REG_BYTES], uint32_t used)
{
	for (uint32_t i = 0; i < IDL_REG_BYTES; i++)
		if (!(used & (1u << i)) && r[i] != 0)
			return false;
	return true;
}

uint32_t idl_strlen(const char *s, uint32_t max)
{
	return s ? (uint32_t)strnlen(s, (size_t)max + 1) : max + 1;
}

bool idl_str_ok(const uint8_t *p, uint32_t len)
{
	return p[len] == 0 && strnlen((const char *)p, len) == len;
}

mt_status_t idl_handle_check(mt_handle_t h, uint32_t type, mt_rights_t rights)
{
	struct mt_object_info info;

	if (mt_object_info(h, &info) < 0)
		return MT_ERR_ACCESS_DENIED;
	if (type != MT_OBJ_NONE && info.type != type)
		return MT_ERR_WRONG_TYPE;
	if ((info.rights & rights) != rights)
		return MT_ERR_ACCESS_DENIED;
	return MT_OK;
}

void idl_drop_received(const struct mt_ipc_msg *m,
		       const struct mt_ipc_buffer *buf)
{
	uint32_t n = MT_IPC_NHANDLES(m->info);

	if (n > MT_IPC_HANDLES_MAX)
		n = MT_IPC_HANDLES_MAX;
	for (uint32_t i = 0; i < n; i++)
		mt_handle_drop(buf->handles[i]);
}

void idl_error_reply(struct mt_ipc_msg *reply, mt_status_t status)
{
	*reply = mt_ipc_msg_make((uint32_t)status, 0, 0, 0);
}

void idl_refuse(const struct mt_ipc_msg *m, const struct mt_ipc_buffer *buf,
		struct mt_ipc_msg *reply, mt_status_t status)
{
	idl_drop_received(m, buf);
	idl_error_reply(reply, status);
}

mt_status_t idl_reply_status(const struct mt_ipc_msg *rep,
			     const struct mt_ipc_buffer *buf)
{
	int32_t status = (int32_t)MT_IPC_LABEL(rep->info);

	if (status == MT_OK)
		return MT_OK;
	idl_drop_received(rep, buf);
	return status < 0 ? status : MT_ERR_BAD_STATE;
}

mt_status_t idl_serve(mt_handle_t ep, struct mt_ipc_buffer *buf,
		      idl_dispatch_fn dispatch, const void *ops, void *ctx)
{
	struct mt_ipc_msg in, reply;
	mt_status_t st = mt_recv(ep, 0, &in);

	while (st >= 0) {
		dispatch(ops, ctx, &in, buf, &reply);
		st = mt_reply_wait(ep, &reply, &in);
	}
	return st;
}
