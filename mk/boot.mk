# MantraBoot: a UEFI application (PE32+) built with clang's Windows target
# and lld-link.  /Brepro keeps the PE timestamp out of the image.

BBUILD     := $(BUILD)/boot
BCFLAGS    := --target=x86_64-unknown-windows -std=gnu11 -ffreestanding \
	-fshort-wchar -mno-red-zone -mno-sse -mno-mmx -fno-stack-protector \
	-fno-builtin -nostdinc -isystem $(RESOURCE_DIR)/include \
	-O2 -Wall -Wextra -Werror -Wno-unused-parameter $(PREFIX_MAP) \
	-Iabi/include -Ilib -MMD -MP
BLDFLAGS   := -subsystem:efi_application -entry:efi_main -nodefaultlib \
	/Brepro /timestamp:0

BOOT_SRCS  := $(sort $(wildcard boot/efi/*.c)) lib/elf/elf64.c
BOOT_OBJS  := $(patsubst %,$(BBUILD)/%.o,$(BOOT_SRCS))

$(BBUILD)/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(BCFLAGS) $(BLDFLAGS)' | cmp -s - $@ || echo '$(BCFLAGS) $(BLDFLAGS)' > $@

$(BBUILD)/%.c.o: %.c $(BBUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  CC(efi) $<"
	$(Q)$(CLANG) $(BCFLAGS) -c $< -o $@

$(BUILD)/BOOTX64.EFI: $(BOOT_OBJS) $(BBUILD)/flags
	@echo "  LINK    $@"
	$(Q)$(LLD_LINK) $(BLDFLAGS) -out:$@ $(BOOT_OBJS)

-include $(BOOT_OBJS:.o=.d)

.PHONY: loader
loader: $(BUILD)/BOOTX64.EFI
