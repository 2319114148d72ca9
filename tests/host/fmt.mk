HOST_TESTS += fmt
fmt_SRCS := tests/host/test_fmt.c lib/fmt/fmt.c
