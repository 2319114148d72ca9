HOST_TESTS += pmm
pmm_SRCS := tests/host/test_pmm.c kernel/mm/pmm.c
