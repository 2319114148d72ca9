/*
 * MantraBoot: the UEFI application that loads MantraCore.
 *
 * Flow (docs/boot.md): read \mantra\boot.cfg, \mantra\kernel.elf and
 * \mantra\bootfs.img from the volume we were loaded from; validate the
 * kernel ELF; copy its segments into one block of physical memory; collect
 * the framebuffer and the ACPI RSDP; build handoff page tables; exit boot
 * services; jump to the kernel with a BootInfo record.  Any failure before
 * ExitBootServices prints why and returns to the firmware.
 */
#include "loader.h"

#include <elf/elf64.h>

efi_system_table_t *efi_st;
efi_boot_services_t *efi_bs;
efi_handle_t efi_image;

extern bool mmap_test_stale_key;

#define KERNEL_PATH   L"\\mantra\\kernel.elf"
#define BOOTFS_PATH   L"\\mantra\\bootfs.img"
#define CONFIG_PATH   L"\\mantra\\boot.cfg"
#define STACK_PAGES   16
#define FAIL_PAUSE_US 3000000
#define BOOTINFO_PAGES \
	((sizeof(struct mantra_bootinfo) + \
	  MANTRA_MMAP_MAX * sizeof(struct mantra_mmap_entry) + 4095) / 4096)

/* The kernel is linked in the top 2 GiB (-mcmodel=kernel). */
#define KERNEL_VMIN   0xffffffff80000000ULL
#define KERNEL_VMAX   0xfffffffffffff000ULL

struct kernel_image {
	uint64_t phys, virt, size, entry;
};

uint64_t alloc_pages(uint64_t pages, uint32_t memory_type)
{
	efi_phys_addr_t addr = 0;
	efi_status_t st;

	st = efi_bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, memory_type, pages,
				    &addr);
	if (EFI_IS_ERROR(st))
		return 0;
	memset((void *)(uintptr_t)addr, 0, pages * 4096);
	return addr;
}

/* Validate the kernel ELF and copy its PT_LOAD segments into one zeroed
 * block of EFI_MANTRA_KERNEL pages. */
static efi_status_t load_kernel(const struct boot_file *f, struct kernel_image *k)
{
	const struct elf64_policy policy = {
		.machine = ELF64_EM_X86_64,
		.allowed_types = ELF64_ALLOW_EXEC,
		.use_window = true,
		.vaddr_min = KERNEL_VMIN,
		.vaddr_max = KERNEL_VMAX,
	};
	struct elf64_info info;
	struct elf64_segment seg;
	const char *why = "unknown error";

	if (elf64_check(f->data, f->size, &policy, &info, &why) != 0) {
		con_puts("MantraBoot: error: kernel \\mantra\\kernel.elf is not a valid kernel: ");
		con_puts(why);
		con_puts("\n");
		return EFI_LOAD_ERROR;
	}
	k->virt = info.vaddr_lo & ~0xfffULL;
	k->size = ((info.vaddr_hi + 0xfff) & ~0xfffULL) - k->virt;
	k->entry = info.entry;
	k->phys = alloc_pages(k->size / 4096, EFI_MANTRA_KERNEL);
	if (!k->phys) {
		con_error("no memory for the kernel image", EFI_OUT_OF_RESOURCES);
		return EFI_OUT_OF_RESOURCES;
	}
	for (size_t i = 0; i < info.load_count; i++) {
		if (elf64_segment(&info, f->data, i, &seg) != 0)
			return EFI_LOAD_ERROR;
		memcpy((void *)(uintptr_t)(k->phys + seg.vaddr - k->virt),
		       seg.data, seg.filesz);
	}
	return EFI_SUCCESS;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		if (w[i] != s[i])
			return false;
	return i == n && !s[i];
}

/* Turn boot.cfg into the kernel command line: '#' starts a comment, words
 * are joined with single spaces.  Words "mantraboot.*" are the loader's own
 * options and stay in the line too (the kernel ignores them). */
static efi_status_t parse_config(const struct boot_file *f, char *cmdline)
{
	const char *p = f->data, *end = p + f->size;
	size_t n = 0;

	while (p < end) {
		if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
		} else {
			const char *w = p;
			while (p < end && *p > ' ' && *p != '#')
				p++;
			if (n + (size_t)(p - w) + 2 > MANTRA_CMDLINE_MAX) {
				con_puts("MantraBoot: error: \\mantra\\boot.cfg is longer than the kernel command line allows\n");
				return EFI_BAD_BUFFER_SIZE;
			}
			if (n)
				cmdline[n++] = ' ';
			memcpy(cmdline + n, w, (size_t)(p - w));
			n += (size_t)(p - w);
			if (word_is(w, (size_t)(p - w), "mantraboot.test_stale_key"))
				mmap_test_stale_key = true;
		}
	}
	cmdline[n] = 0;
	return EFI_SUCCESS;
}

static bool guid_eq(const efi_guid_t *a, const efi_guid_t *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ACPI RSDP from the configuration table (UEFI 2.10 section 4.6),
 * preferring the ACPI 2.0+ one. */
static void find_rsdp(struct mantra_bootinfo *bi)
{
	static const efi_guid_t acpi20 = EFI_ACPI_20_TABLE_GUID;
	static const efi_guid_t acpi10 = EFI_ACPI_10_TABLE_GUID;
	efi_configuration_table_t *t = efi_st->configuration_table;

	for (uint64_t i = 0; i < efi_st->number_of_table_entries; i++) {
		if (guid_eq(&t[i].vendor_guid, &acpi20)) {
			bi->rsdp = (uint64_t)(uintptr_t)t[i].vendor_table;
			bi->rsdp_revision = 2;
			return;
		}
		if (guid_eq(&t[i].vendor_guid, &acpi10) && !bi->rsdp)
			bi->rsdp = (uint64_t)(uintptr_t)t[i].vendor_table;
	}
}

/* The current GOP mode's framebuffer, if there is a linear one. */
static void find_framebuffer(struct mantra_bootinfo *bi)
{
	static const efi_guid_t gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	efi_gop_t *gop;
	efi_gop_mode_info_t *info;

	if (EFI_IS_ERROR(efi_bs->locate_protocol(&gop_guid, NULL, (void **)&gop)))
		return;
	info = gop->mode->info;
	if (info->pixel_format == EFI_GOP_RGBX8)
		bi->fb.format = MANTRA_FB_RGBX8888;
	else if (info->pixel_format == EFI_GOP_BGRX8)
		bi->fb.format = MANTRA_FB_BGRX8888;
	else
		return;     /* bitmask/BLT-only modes: no linear framebuffer */
	bi->fb.base = gop->mode->frame_buffer_base;
	bi->fb.size = gop->mode->frame_buffer_size;
	bi->fb.width = info->horizontal_resolution;
	bi->fb.height = info->vertical_resolution;
	bi->fb.pitch = info->pixels_per_scan_line * 4;
}

static efi_status_t load_files(struct mantra_bootinfo *bi, struct kernel_image *k)
{
	struct boot_file f;
	efi_status_t st;

	st = fs_read_file(CONFIG_PATH, EFI_LOADER_DATA, &f);
	if (st == EFI_NOT_FOUND)
		con_puts("MantraBoot: no \\mantra\\boot.cfg, using defaults\n");
	else if (EFI_IS_ERROR(st) || EFI_IS_ERROR(st = parse_config(&f, bi->cmdline)))
		return st;

	st = fs_read_file(KERNEL_PATH, EFI_LOADER_DATA, &f);
	if (st == EFI_NOT_FOUND)
		con_puts("MantraBoot: error: kernel \\mantra\\kernel.elf not found\n");
	if (EFI_IS_ERROR(st) || EFI_IS_ERROR(st = load_kernel(&f, k)))
		return st;

	st = fs_read_file(BOOTFS_PATH, EFI_MANTRA_BOOT_DATA, &f);
	if (st == EFI_NOT_FOUND) {
		con_puts("MantraBoot: warning: no boot archive \\mantra\\bootfs.img\n");
		return EFI_SUCCESS;
	}
	if (EFI_IS_ERROR(st))
		return st;
	bi->bootfs = (uint64_t)(uintptr_t)f.data;
	bi->bootfs_size = f.size;
	return EFI_SUCCESS;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Switch to the handoff tables and stack and enter the kernel with the
 * SysV ABI: rdi = BootInfo (direct-map address), rsp 16-byte aligned minus
 * a (null) return address, interrupts off.  The loader's code stays reachable
 * through the identity map until the jump. */
__attribute__((noreturn))
static void enter_kernel(uint64_t cr3, uint64_t stack_top, uint64_t entry,
			 uint64_t bootinfo)
{
	__asm__ volatile(
		"cli\n\t"
		"mov %0, %%cr3\n\t"
		"mov %1, %%rsp\n\t"
		"xor %%ebp, %%ebp\n\t"
		"pushq $0\n\t"
		"jmp *%2\n\t"
		:: "r"(cr3), "r"(stack_top), "r"(entry), "D"(bootinfo)
		: "memory");
	__builtin_unreachable();
}

/* Leave the message on screen for a moment before the firmware moves on to
 * its next boot option (which usually clears the screen). */
static efi_status_t fail(efi_status_t st)
{
	con_puts("MantraBoot: cannot boot; returning to the firmware\n");
	efi_bs->stall(FAIL_PAUSE_US);
	return st;
}

efi_status_t efi_main(efi_handle_t image, efi_system_table_t *st_)
{
	struct mantra_bootinfo *bi;
	struct kernel_image k;
	uint64_t stack, cr3;
	efi_status_t st;

	efi_image = image;
	efi_st = st_;
	efi_bs = st_->boot_services;
	con_puts("MantraBoot " MANTRABOOT_VERSION "\n");
	efi_bs->set_watchdog_timer(0, 0, 0, NULL);

	bi = (void *)(uintptr_t)alloc_pages(BOOTINFO_PAGES, EFI_MANTRA_BOOT_DATA);
	stack = alloc_pages(STACK_PAGES, EFI_MANTRA_BOOT_DATA);
	if (!bi || !stack) {
		con_error("out of memory", EFI_OUT_OF_RESOURCES);
		return EFI_OUT_OF_RESOURCES;
	}
	st = fs_open_boot_volume();
	if (!EFI_IS_ERROR(st))
		st = load_files(bi, &k);
	if (EFI_IS_ERROR(st))
		return fail(st);
	find_framebuffer(bi);
	find_rsdp(bi);
	st = mmap_prepare();
	if (!EFI_IS_ERROR(st))
		st = paging_build(mmap_phys_limit(), k.phys, k.virt, k.size, &cr3);
	if (EFI_IS_ERROR(st))
		return fail(st);

	bi->magic = MANTRA_BOOTINFO_MAGIC;
	bi->version = MANTRA_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->kernel_phys = k.phys;
	bi->kernel_virt = k.virt;
	bi->kernel_size = k.size;
	bi->direct_map_base = MANTRA_DIRECT_MAP_BASE;
	bi->mmap = (uint64_t)(uintptr_t)(bi + 1);
	bi->boot_stack = stack;
	bi->boot_stack_size = STACK_PAGES * 4096;
	con_puts("MantraBoot: starting kernel\n");

	st = mmap_exit_boot_services(bi, (struct mantra_mmap_entry *)(bi + 1),
				     MANTRA_MMAP_MAX);
	if (EFI_IS_ERROR(st)) {
		con_error("ExitBootServices failed", st);
		return st;
	}
	bi->loader_tsc = rdtsc();
	enter_kernel(cr3, MANTRA_DIRECT_MAP_BASE + stack + STACK_PAGES * 4096,
		     k.entry, MANTRA_DIRECT_MAP_BASE + (uint64_t)(uintptr_t)bi);
}
