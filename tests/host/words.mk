HOST_TESTS += words
words_SRCS := tests/host/test_words.c lib/words/words.c kernel/core/cmdline.c
