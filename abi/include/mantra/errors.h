/*
 * The one error enum of the MantraCore ABI.  System calls return these as
 * negative mt_status_t values.  Keep it small: a new code only when callers
 * must tell it apart from every existing one.
 */
#ifndef MANTRA_ABI_ERRORS_H
#define MANTRA_ABI_ERRORS_H

#define MT_OK                  0
#define MT_ERR_INVALID_ARGS   (-1)   /* an argument is out of its domain */
#define MT_ERR_BAD_HANDLE     (-2)   /* not a live handle of the caller */
#define MT_ERR_WRONG_TYPE     (-3)   /* handle names another object type */
#define MT_ERR_ACCESS_DENIED  (-4)   /* the handle lacks a needed right */
#define MT_ERR_NO_MEMORY      (-5)   /* kernel or user memory exhausted */
#define MT_ERR_NO_RESOURCES   (-6)   /* a per-process limit is reached */
#define MT_ERR_BAD_ADDRESS    (-7)   /* a user pointer is unusable */
#define MT_ERR_OUT_OF_RANGE   (-8)   /* offset/size beyond an object */
#define MT_ERR_NOT_SUPPORTED  (-9)   /* not implemented (yet) */
#define MT_ERR_BAD_STATE      (-10)  /* the object cannot do that now */
#define MT_ERR_TIMED_OUT      (-11)  /* the deadline passed */
#define MT_ERR_CANCELED       (-12)  /* the wait ended: object or caller died */
#define MT_ERR_ALREADY_EXISTS (-13)  /* the address range is in use */
#define MT_ERR_NOT_FOUND      (-14)  /* nothing at that address / name */
#define MT_ERR_BUFFER_TOO_SMALL (-15) /* output buffer too small */
#define MT_ERR_PEER_CLOSED    (-16)  /* the other side of an IPC is gone */
#define MT_ERR_SHOULD_WAIT    (-17)  /* not now: wait for a signal, retry */

#define MT_ERR_MIN (-17)

#endif /* MANTRA_ABI_ERRORS_H */
