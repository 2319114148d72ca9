FUZZ_TARGETS += shm_ring
# The system calls come from the harness: tests/fuzz/include/mantra/syscalls.h
# stands in for the generated stubs.
fuzz_shm_ring_SRCS := tests/fuzz/fuzz_shm_ring.c lib/libmantra/shm_ring.c \
	lib/libmantra/handle.c lib/libmantra/startup.c lib/words/words.c
fuzz_shm_ring_CFLAGS := -Itests/fuzz/include
