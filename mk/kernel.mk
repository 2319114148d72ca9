# MantraCore: clang for x86_64 ELF, linked in two passes so the kernel
# carries its own symbol table (.ksyms, the last section; see linker.ld).

KARCH      := x86_64
KBUILD     := $(BUILD)/kernel
KCFLAGS    := --target=x86_64-unknown-none-elf -std=gnu11 -ffreestanding \
	-nostdinc -isystem $(RESOURCE_DIR)/include \
	-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-avx \
	-fno-pic -fno-pie -fno-builtin \
	-fstack-protector-strong -mstack-protector-guard=global \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-optimize-sibling-calls \
	-fno-asynchronous-unwind-tables -ffunction-sections \
	$(PREFIX_MAP) \
	-I$(KBUILD)/include -I$(GEN)/include -I$(GEN)/kernel -Iabi/include -Ikernel/include -Ikernel/arch/$(KARCH)/include -Ilib -MMD -MP
# No -g for assembly: clang 14 ignores -ffile-prefix-map there, which would
# put the build directory into the image.
KASFLAGS   := $(filter-out -std=gnu11 -g,$(KCFLAGS)) -D__ASSEMBLY__

KERNEL_SRCS := $(sort $(wildcard kernel/core/*.c kernel/mm/*.c \
	kernel/object/*.c kernel/sched/*.c kernel/vm/*.c kernel/debug/*.c \
	kernel/test/*.c kernel/arch/$(KARCH)/*.c kernel/arch/$(KARCH)/*.S)) \
	lib/bootfs/bootfs.c lib/elf/elf64.c lib/fmt/fmt.c lib/string/string.c \
	lib/words/words.c
KERNEL_OBJS := $(patsubst %,$(KBUILD)/%.o,$(KERNEL_SRCS)) $(KBUILD)/syscall_table.c.o
KERNEL_LDS  := kernel/arch/$(KARCH)/linker.ld
KLDFLAGS    := -T $(KERNEL_LDS) -nostdlib -static --build-id=none \
	-z max-page-size=4096 -z noexecstack

# The version banner, rewritten only when it changes.
$(KBUILD)/include/generated/version.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define MANTRA_VERSION "%s"\n#define MANTRA_COMMIT "%s"\n' \
		'$(MANTRA_VERSION)' '$(MANTRA_COMMIT)' > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(KBUILD)/kernel/core/main.c.o: $(KBUILD)/include/generated/version.h

# Structure offsets for assembly (kernel/arch/*/offsets/asm_offsets.c),
# remade whenever a header it includes changes (a struct that grows moves
# the offsets the assembly uses).
ASM_OFFSETS := $(KBUILD)/include/generated/asm_offsets.h
$(ASM_OFFSETS): kernel/arch/$(KARCH)/offsets/asm_offsets.c $(KBUILD)/flags | $(SYSCALL_GEN_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(CLANG) $(filter-out -MMD -MP -g,$(KCFLAGS)) -MMD -MP -MF $@.d -MT $@ \
		-S -o $@.s $<
	$(Q)sed -n 's/.*OFFSET \([A-Z_0-9]*\) \([0-9]*\).*/#define \1 \2/p' $@.s > $@.tmp
	$(Q)mv $@.tmp $@
$(patsubst %,$(KBUILD)/%.o,$(filter %.S,$(KERNEL_SRCS))): $(ASM_OFFSETS)
-include $(ASM_OFFSETS).d

# Rebuild everything when the flags change.
$(KBUILD)/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(KCFLAGS) $(KLDFLAGS)' | cmp -s - $@ || echo '$(KCFLAGS) $(KLDFLAGS)' > $@

$(KBUILD)/%.c.o: %.c $(KBUILD)/flags | $(SYSCALL_GEN_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CLANG) $(KCFLAGS) -c $< -o $@

$(KBUILD)/%.S.o: %.S $(KBUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CLANG) $(KASFLAGS) -c $< -o $@

$(KBUILD)/syscall_table.c.o: $(SYSCALL_TABLE_SRC) $(SYSCALL_GEN_HEADERS) $(KBUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CLANG) $(KCFLAGS) -c $< -o $@

# Pass 1: an empty symbol table.  Pass 2: the real one.  The check proves
# the second pass moved no symbol.
$(KBUILD)/ksyms.empty.S: tools/ksyms.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/ksyms.py --empty > $@

$(KBUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $(KBUILD)/ksyms.empty.S.o $(KERNEL_LDS)
	@echo "  LD      $@"
	$(Q)$(LLD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/ksyms.empty.S.o

$(KBUILD)/ksyms.S: $(KBUILD)/kernel.pass1.elf tools/ksyms.py
	$(Q)$(NM) -S --defined-only $< | $(PYTHON) tools/ksyms.py > $@

$(KBUILD)/ksyms.empty.S.o $(KBUILD)/ksyms.S.o: $(KBUILD)/%.S.o: $(KBUILD)/%.S
	$(Q)$(CLANG) $(KASFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(KBUILD)/ksyms.S.o $(KBUILD)/kernel.pass1.elf
	@echo "  LD      $@"
	$(Q)$(LLD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/ksyms.S.o
	$(Q)$(PYTHON) tools/ksyms.py --compare $(KBUILD)/kernel.pass1.elf $@

-include $(KERNEL_OBJS:.o=.d)

.PHONY: kernel
kernel: $(BUILD)/kernel.elf
