HOST_TESTS += elf
elf_SRCS := tests/host/test_elf.c lib/elf/elf64.c
