FUZZ_TARGETS += bootfs
fuzz_bootfs_SRCS := tests/fuzz/fuzz_bootfs.c lib/bootfs/bootfs.c
