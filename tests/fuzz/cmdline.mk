FUZZ_TARGETS += cmdline
fuzz_cmdline_SRCS := tests/fuzz/fuzz_cmdline.c kernel/core/cmdline.c lib/words/words.c \
	tests/fuzz/fuzz_kstring.c
fuzz_cmdline_CFLAGS := -Ikernel/include
