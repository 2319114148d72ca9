/* In-kernel tests of what the boot handed over: BootInfo, the memory map,
 * framebuffer, ACPI RSDP, command line, boot archive and symbols. */
#include <kernel/arch.h>
#include <kernel/boot.h>
#include <kernel/cmdline.h>
#include <kernel/ksyms.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <string/string.h>

KTEST(boot, bootinfo_valid)
{
	KT_CHECK_EQ(boot_info.magic, MANTRA_BOOTINFO_MAGIC);
	KT_CHECK_EQ(boot_info.version, MANTRA_BOOTINFO_VERSION);
	KT_CHECK(boot_info.size >= sizeof(boot_info));
	KT_CHECK_EQ(boot_info.direct_map_base, MANTRA_DIRECT_MAP_BASE);
	KT_CHECK(boot_info.exit_attempts >= 1);
}

KTEST(boot, memory_map_sorted_disjoint)
{
	const struct mantra_mmap_entry *mm = phys_to_virt(boot_info.mmap);
	uint64_t usable = 0;

	for (uint32_t i = 0; i < boot_info.mmap_count; i++) {
		KT_CHECK(mm[i].length > 0);
		KT_CHECK(mm[i].type >= MANTRA_MEM_USABLE && mm[i].type <= MANTRA_MEM_BAD);
		if (i)
			KT_CHECK(mm[i - 1].base + mm[i - 1].length <= mm[i].base);
		if (mm[i].type == MANTRA_MEM_USABLE)
			usable += mm[i].length;
	}
	KT_CHECK(usable >= 64ULL << 20);   /* the tests run with 512 MiB */
}

KTEST(boot, kernel_image_recorded)
{
	const struct mantra_mmap_entry *mm = phys_to_virt(boot_info.mmap);
	bool found = false;

	for (uint32_t i = 0; i < boot_info.mmap_count; i++)
		if (mm[i].type == MANTRA_MEM_KERNEL && mm[i].base <= boot_info.kernel_phys &&
		    boot_info.kernel_phys + boot_info.kernel_size <= mm[i].base + mm[i].length)
			found = true;
	KT_CHECK(found);
	KT_CHECK_EQ(boot_info.kernel_virt, 0xffffffff80000000ULL);
}

KTEST(boot, framebuffer_described)
{
	const struct mantra_framebuffer *fb = &boot_info.fb;

	KT_CHECK(fb->format == MANTRA_FB_BGRX8888 || fb->format == MANTRA_FB_RGBX8888);
	KT_CHECK(fb->width >= 640 && fb->height >= 480);
	KT_CHECK(fb->pitch >= fb->width * 4);
	KT_CHECK(fb->size >= (uint64_t)fb->pitch * fb->height);
	KT_CHECK(fb->base != 0);
}

/* ACPI 6.4 section 5.2.5.3: "RSD PTR " signature, checksum over the first
 * 20 bytes, and for revision 2 the extended checksum over `length`. */
KTEST(boot, acpi_rsdp_valid)
{
	const uint8_t *r;
	uint8_t sum = 0;

	KT_CHECK(boot_info.rsdp != 0);
	r = phys_to_virt(boot_info.rsdp);
	KT_CHECK(memcmp(r, "RSD PTR ", 8) == 0);
	for (int i = 0; i < 20; i++)
		sum += r[i];
	KT_CHECK_EQ(sum, 0);
	if (boot_info.rsdp_revision == 2) {
		uint32_t len;
		memcpy(&len, r + 20, 4);
		KT_CHECK(len >= 36 && len < 4096);
		sum = 0;
		for (uint32_t i = 0; i < len; i++)
			sum += r[i];
		KT_CHECK_EQ(sum, 0);
	}
}

KTEST(boot, cmdline_parsed)
{
	char v[32];

	KT_CHECK(cmdline_get("selftest", v, sizeof(v)));
	KT_CHECK(!cmdline_get("no_such_key", v, sizeof(v)));
	KT_CHECK(cmdline_list_has("a,bb,c", "bb"));
	KT_CHECK(!cmdline_list_has("a,bb,c", "b"));
	KT_CHECK(!cmdline_list_has("", "a"));
}

KTEST(boot, archive_has_manifest)
{
	struct bootfs_file f;

	KT_CHECK(boot_archive_ok);
	KT_CHECK(bootfs_count(&boot_archive) >= 1);
	KT_CHECK_EQ(bootfs_find(&boot_archive, "manifest", &f), 0);
	KT_CHECK(f.size > 0);
	KT_CHECK(bootfs_find(&boot_archive, "no-such-file", &f) != 0);
}

KTEST(ksyms, names_kernel_functions)
{
	uintptr_t off = 1;
	const char *name = ksyms_lookup((uintptr_t)ktest_run, &off);

	KT_CHECK(ksyms_count() > 50);
	KT_CHECK(name != NULL);
	KT_CHECK(strcmp(name, "ktest_run") == 0);
	KT_CHECK_EQ(off, 0);
	name = ksyms_lookup((uintptr_t)ktest_run + 3, &off);
	KT_CHECK(name && strcmp(name, "ktest_run") == 0 && off == 3);
	KT_CHECK(ksyms_lookup(0x1000, &off) == NULL);
}

KTEST(log, level_names)
{
	enum log_level l;

	KT_CHECK(log_parse_level("debug", &l) && l == LOG_DEBUG);
	KT_CHECK(log_parse_level("error", &l) && l == LOG_ERROR);
	KT_CHECK(!log_parse_level("loud", &l));
}

KTEST(fmt, kernel_snprintf)
{
	char buf[64];

	KT_CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "%s-%d-%#x-%5lu|", "ab", -7,
				 255, 42UL), 17);
	KT_CHECK(strcmp(buf, "ab--7-0xff-   42|") == 0);
	KT_CHECK_EQ(fmt_snprintf(buf, 4, "%d", 123456), 6);
	KT_CHECK(strcmp(buf, "123") == 0);
}
