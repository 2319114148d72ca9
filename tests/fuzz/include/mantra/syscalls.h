/*
 * Host stand-in for the generated <mantra/syscalls.h> (build/gen/include,
 * from abi/syscalls.def), for harnesses that compile libmantra sources on
 * Linux.  The real header defines each mt_<name>() as a static inline
 * `syscall`; here they are plain prototypes, and the harness defines the
 * calls the code under test makes (fuzz_shm_ring.c).  Only those are
 * declared: a libmantra source that starts using another call fails to
 * compile (-Werror=implicit-function-declaration) until the harness
 * models it.  The signatures are those of abi/syscalls.def.
 */
#ifndef TESTS_FUZZ_MANTRA_SYSCALLS_H
#define TESTS_FUZZ_MANTRA_SYSCALLS_H

#include <mantra/errors.h>
#include <mantra/types.h>

mt_status_t mt_handle_close(mt_handle_t handle);
mt_status_t mt_handle_duplicate(mt_handle_t handle, mt_rights_t rights,
				mt_handle_t *out);
mt_status_t mt_object_info(mt_handle_t handle, struct mt_object_info *info);
mt_status_t mt_object_wait_one(mt_handle_t handle, mt_signals_t signals,
			       mt_time_t deadline, mt_signals_t *observed);
mt_status_t mt_object_signal(mt_handle_t handle, mt_signals_t clear,
			     mt_signals_t set);
mt_status_t mt_memory_create(uint64_t size, uint32_t flags, mt_handle_t *out);
mt_status_t mt_memory_read(mt_handle_t memory, uint64_t offset, void *buf,
			   size_t len);
mt_status_t mt_vm_map(mt_handle_t aspace, uint64_t addr, mt_handle_t memory,
		      uint64_t offset, uint64_t len, uint32_t flags);
mt_status_t mt_vm_unmap(mt_handle_t aspace, uint64_t addr, uint64_t len);
mt_status_t mt_event_create(mt_handle_t *out);

#endif /* TESTS_FUZZ_MANTRA_SYSCALLS_H */
