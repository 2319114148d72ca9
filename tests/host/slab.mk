HOST_TESTS += slab
slab_SRCS := tests/host/test_slab.c kernel/mm/slab.c kernel/mm/pmm.c
