HOST_TESTS += libc
# The C library (lib/libc) under test.  Its functions have the host libc's
# names, so it cannot be compiled against glibc's headers or linked next to
# glibc as it is.  Instead the library, its fake system layer
# (libc_sys.c) and its tests (test_libc_*.c) are compiled freestanding
# against lib/libc/include, linked into one relocatable object, and every
# global symbol that object defines is renamed mtlibc_* (llvm-objcopy
# --redefine-syms).  References inside the object follow the renaming, so
# the tests call our strtol while test_main.c, the sanitizers and glibc
# keep glibc's.
LIBC_HOST_SRCS := $(sort $(wildcard lib/libc/*.c lib/libc/*.S)) \
	lib/string/string.c lib/fmt/fmt.c lib/words/words.c \
	tests/host/libc_sys.c $(sort $(wildcard tests/host/test_libc_*.c))
LIBC_HOST_OBJS := $(patsubst %,$(BUILD)/host/libc/%.o,$(LIBC_HOST_SRCS))
LIBC_HOST_CFLAGS := $(HOST_CFLAGS) -ffreestanding -nostdinc \
	-isystem $(shell $(HOSTCC) -print-file-name=include) -Ilib/libc/include
LIBC_HOST_HEADERS := $(wildcard lib/libc/*.h lib/libc/include/*.h \
	lib/libc/include/sys/*.h lib/*/*.h tests/host/*.h)
libc_SRCS := $(BUILD)/host/libc/libc.o

$(BUILD)/host/libc/%.c.o: %.c $(LIBC_HOST_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(LIBC_HOST_CFLAGS) -c $< -o $@

$(BUILD)/host/libc/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  HOSTAS  $<"
	$(Q)$(HOSTCC) -c $< -o $@

$(BUILD)/host/libc/libc.o: $(LIBC_HOST_OBJS)
	@echo "  RENAME  $@"
	$(Q)ld -r -o $@.all $^
	$(Q)$(NM) -g --defined-only -j $@.all | awk '{ print $$1 " mtlibc_" $$1 }' > $@.syms
	$(Q)$(OBJCOPY) --redefine-syms=$@.syms $@.all $@
