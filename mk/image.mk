# The boot archive, the boot configuration and the disk image.
#
# The archive holds the files under boot/bootfs/ by their path there
# (`manifest`: MantraInit's service manifest), the in-guest tests'
# manifests as test/<name>, and the user programs of mk/user.mk as
# bin/<name>.

BOOTFS_FILES := $(sort $(shell find boot/bootfs -type f))
BOOTFS_TEST_FILES := $(sort $(wildcard tests/guest/manifests/*.manifest))
BOOTFS_PROGS := init logd msh testsvc testinit bench sysfuzz uart16550
BOOTFS_PROG_ELFS := $(patsubst %,$(BUILD)/user/%.elf,$(BOOTFS_PROGS))
ESP_FILES := \
	$(BUILD)/BOOTX64.EFI:/EFI/BOOT/BOOTX64.EFI \
	$(BUILD)/kernel.elf:/mantra/kernel.elf \
	$(BUILD)/bootfs.img:/mantra/bootfs.img \
	boot/boot.cfg:/mantra/boot.cfg

$(BUILD)/bootfs.img: tools/mkbootfs.py $(BOOTFS_FILES) $(BOOTFS_TEST_FILES) $(BOOTFS_PROG_ELFS)
	@mkdir -p $(dir $@)
	@echo "  BOOTFS  $@"
	$(Q)$(PYTHON) tools/mkbootfs.py -o $@ \
		$(foreach f,$(BOOTFS_FILES),$(patsubst boot/bootfs/%,%,$(f))=$(f)) \
		$(foreach f,$(BOOTFS_TEST_FILES),test/$(notdir $(f))=$(f)) \
		$(foreach p,$(BOOTFS_PROGS),bin/$(p)=$(BUILD)/user/$(p).elf)

$(BUILD)/mantra.img: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf $(BUILD)/bootfs.img \
		boot/boot.cfg tools/mkimage.sh
	@echo "  IMAGE   $@"
	$(Q)tools/mkimage.sh $@ $(ESP_FILES)
