HOST_TESTS += bootfs
bootfs_SRCS := tests/host/test_bootfs.c lib/bootfs/bootfs.c
