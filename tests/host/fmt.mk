HOST_TESTS += fmt
fmt_SRCS := tests/host/test_fmt.c kernel/lib/fmt.c
