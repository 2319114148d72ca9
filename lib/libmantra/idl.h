/*
 * Runtime support for the code tools/idlc.py generates from the idl/ files
 * (docs/idl.md): little-endian field access in the register words and the
 * IPC buffer, the checks every received message goes through, error
 * replies, and the one server loop.  Nothing here knows a protocol; the
 * generated <idl/NAME.h> and NAME_server.c do, and call these.
 */
#ifndef LIBMANTRA_IDL_H
#define LIBMANTRA_IDL_H

#include <stdbool.h>

#include <string/string.h>

#include <libmantra/ipc.h>

/* Bytes of the register words, seen as one little-endian area. */
#define IDL_REG_BYTES (MT_IPC_WORDS * 8)

/* Fields are stored little-endian without alignment (x86_64 is
 * little-endian; memcpy compiles to one move). */
static inline void idl_put8(uint8_t *p, uint8_t v) { *p = v; }
static inline void idl_put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void idl_put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void idl_put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint8_t idl_get8(const uint8_t *p) { return *p; }

static inline uint16_t idl_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t idl_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t idl_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The register words of m as bytes, and back. */
static inline void idl_regs_load(uint8_t r[IDL_REG_BYTES],
				 const struct mt_ipc_msg *m)
{
	memcpy(r, m->w, IDL_REG_BYTES);
}

static inline void idl_regs_store(struct mt_ipc_msg *m,
				  const uint8_t r[IDL_REG_BYTES])
{
	memcpy(m->w, r, IDL_REG_BYTES);
}

/* Whether every register byte outside `used` (bit i: byte i belongs to a
 * field) is zero: stray bits are a malformed message. */
bool idl_regs_clean(const uint8_t r[IDL_REG_BYTES], uint32_t used);

/* The length of s if it is at most max bytes (NUL excluded); max + 1 if it
 * is longer or s is NULL. */
uint32_t idl_strlen(const char *s, uint32_t max);

/* Whether the len bytes at p hold no NUL and p[len] is one. */
bool idl_str_ok(const uint8_t *p, uint32_t len);

/* MT_OK if h names an object of type `type` (0: any) with at least
 * `rights`; MT_ERR_WRONG_TYPE or MT_ERR_ACCESS_DENIED (also when h lacks
 * the INFO right needed to look) otherwise. */
mt_status_t idl_handle_check(mt_handle_t h, uint32_t type, mt_rights_t rights)
	MT_WARN_UNUSED;

/* Close the handles m carried into buf (a refused or unwanted message:
 * they are ours once received and must not leak). */
void idl_drop_received(const struct mt_ipc_msg *m,
		       const struct mt_ipc_buffer *buf);

/* An error reply: label = status, no words, data or handles. */
void idl_error_reply(struct mt_ipc_msg *reply, mt_status_t status);

/* Refuse the call m: close what it carried and reply `status`. */
void idl_refuse(const struct mt_ipc_msg *m, const struct mt_ipc_buffer *buf,
		struct mt_ipc_msg *reply, mt_status_t status);

/* The status a reply carries in its label: MT_OK, the server's negative
 * status (an error reply's handles are closed), or MT_ERR_BAD_STATE for a
 * label that is no status. */
mt_status_t idl_reply_status(const struct mt_ipc_msg *rep,
			     const struct mt_ipc_buffer *buf) MT_WARN_UNUSED;

/* A generated <iface>_dispatch, with its ops and context untyped. */
typedef void (*idl_dispatch_fn)(const void *ops, void *ctx,
				const struct mt_ipc_msg *in,
				struct mt_ipc_buffer *buf,
				struct mt_ipc_msg *reply);

/* The one server loop: receive on ep, dispatch, reply and wait again,
 * until a receive fails; returns that status.  buf must be the calling
 * thread's registered IPC buffer. */
mt_status_t idl_serve(mt_handle_t ep, struct mt_ipc_buffer *buf,
		      idl_dispatch_fn dispatch, const void *ops, void *ctx);

#endif /* LIBMANTRA_IDL_H */
