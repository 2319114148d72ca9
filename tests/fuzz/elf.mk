FUZZ_TARGETS += elf
fuzz_elf_SRCS := tests/fuzz/fuzz_elf.c lib/elf/elf64.c
