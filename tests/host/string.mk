HOST_TESTS += string
# test_string.c includes lib/string/string.c itself, renamed (see there).
string_SRCS := tests/host/test_string.c
