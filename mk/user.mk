# User space: libraries (crt, libc, libmantra) and static ELF programs for
# the boot archive.  See docs/userspace.md.
#
# A program is a folder of C files; each one adds itself here:
#   USER_PROGS += <prog>
#   <prog>_SRCS := <its .c files>
# and links to $(BUILD)/user/<prog>.elf with crt0, libmantra, libc and the
# shared lib/ parsers.  Objects depend on the generated system-call headers
# ($(SYSCALL_GEN_HEADERS), from mk/syscalls.mk) and on the generated
# interface headers ($(IDL_GEN_HEADERS), mk/idl.mk), read with secondary
# expansion so the include order of the top Makefile does not matter.

UBUILD     := $(BUILD)/user
UCFLAGS    := --target=x86_64-unknown-none-elf -std=gnu11 -ffreestanding \
	-nostdinc -isystem $(RESOURCE_DIR)/include \
	-fno-pic -fno-pie -O2 -g -fno-omit-frame-pointer -fno-stack-protector \
	-mno-sse -mno-mmx -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror $(PREFIX_MAP) \
	-Iabi/include -I$(BUILD)/gen/include -I$(BUILD)/gen -Ilib -Ilib/libc/include -MMD -MP
# No -g for assembly: clang ignores -ffile-prefix-map there (see kernel.mk).
UASFLAGS   := $(filter-out -std=gnu11 -g,$(UCFLAGS)) -D__ASSEMBLY__
ULDS       := lib/crt/user.ld
ULDFLAGS   := -T $(ULDS) -nostdlib -static --build-id=none \
	-z max-page-size=4096 -z noexecstack

# The runtime every program links: start-up, libc, libmantra and the
# freestanding parsers shared with the kernel.
ULIB_SRCS  := lib/crt/crt0.S \
	$(sort $(wildcard lib/libc/*.c lib/libc/*.S lib/libc/sys/*.c lib/libmantra/*.c)) \
	lib/fmt/fmt.c lib/string/string.c lib/words/words.c lib/elf/elf64.c lib/bootfs/bootfs.c
ULIB_OBJS  := $(patsubst %,$(UBUILD)/%.o,$(ULIB_SRCS))

USER_PROGS :=
USER_PROGS += init
init_SRCS  := $(sort $(wildcard user/init/*.c)) \
	$(IDL_GEN)/init_server.c $(IDL_GEN)/initev_server.c $(IDL_GEN)/namespace_server.c
USER_PROGS += logd
logd_SRCS  := $(sort $(wildcard servers/logd/*.c)) $(IDL_GEN)/log_server.c
USER_PROGS += msh
msh_SRCS   := $(sort $(wildcard user/msh/*.c))
USER_PROGS += testsvc
testsvc_SRCS := $(sort $(wildcard tests/guest/svc/*.c))
USER_PROGS += testinit
testinit_SRCS := $(sort $(wildcard tests/guest/*.c tests/guest/*.S)) \
	$(IDL_GEN)/echo_server.c $(IDL_GEN)/namespace_server.c \
	$(IDL_GEN)/console_server.c user/init/manifest.c
USER_PROGS += bench
bench_SRCS := $(sort $(wildcard user/bench/*.c))
USER_PROGS += sysfuzz
sysfuzz_SRCS := $(sort $(wildcard user/sysfuzz/*.c))
# User-level drivers (drivers/<name>/, docs/drivers.md).
USER_PROGS += uart16550
uart16550_SRCS := $(sort $(wildcard drivers/uart16550/*.c)) \
	$(IDL_GEN)/console_server.c

USER_ELFS  := $(patsubst %,$(UBUILD)/%.elf,$(USER_PROGS))

$(UBUILD)/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(UCFLAGS) $(ULDFLAGS)' | cmp -s - $@ || echo '$(UCFLAGS) $(ULDFLAGS)' > $@

.SECONDEXPANSION:
$(UBUILD)/%.c.o: %.c $(UBUILD)/flags $$(SYSCALL_GEN_HEADERS) $$(IDL_GEN_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC(usr) $<"
	$(Q)$(CLANG) $(UCFLAGS) -c $< -o $@

$(UBUILD)/%.S.o: %.S $(UBUILD)/flags $$(SYSCALL_GEN_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  AS(usr) $<"
	$(Q)$(CLANG) $(UASFLAGS) -c $< -o $@

define user_prog_rule
$(UBUILD)/$(1).elf: $$(patsubst %,$(UBUILD)/%.o,$$($(1)_SRCS)) $(ULIB_OBJS) $(ULDS) $(UBUILD)/flags
	@echo "  LD(usr) $$@"
	$$(Q)$$(LLD) $$(ULDFLAGS) -o $$@ $$(patsubst %,$(UBUILD)/%.o,$$($(1)_SRCS)) $(ULIB_OBJS)
endef
$(foreach p,$(USER_PROGS),$(eval $(call user_prog_rule,$(p))))

-include $(patsubst %,$(UBUILD)/%.d,$(ULIB_SRCS) \
	$(foreach p,$(USER_PROGS),$($(p)_SRCS)))

.PHONY: user
user: $(USER_ELFS)
