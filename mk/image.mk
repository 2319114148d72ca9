# The boot archive, the boot configuration and the disk image.

BOOTFS_FILES := $(sort $(wildcard boot/bootfs/*))
ESP_FILES := \
	$(BUILD)/BOOTX64.EFI:/EFI/BOOT/BOOTX64.EFI \
	$(BUILD)/kernel.elf:/mantra/kernel.elf \
	$(BUILD)/bootfs.img:/mantra/bootfs.img \
	boot/boot.cfg:/mantra/boot.cfg

$(BUILD)/bootfs.img: tools/mkbootfs.py $(BOOTFS_FILES)
	@mkdir -p $(dir $@)
	@echo "  BOOTFS  $@"
	$(Q)$(PYTHON) tools/mkbootfs.py -o $@ $(foreach f,$(BOOTFS_FILES),$(notdir $(f))=$(f))

$(BUILD)/mantra.img: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf $(BUILD)/bootfs.img \
		boot/boot.cfg tools/mkimage.sh
	@echo "  IMAGE   $@"
	$(Q)tools/mkimage.sh $@ $(ESP_FILES)
