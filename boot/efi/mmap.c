/*
 * The UEFI memory map: sizing it, exiting boot services with it, and turning
 * it into BootInfo's own sorted, merged map (UEFI 2.10 section 7.2.3).
 */
#include "loader.h"

#define MAP_SLACK_DESCS 32          /* room for the map to grow meanwhile */
#define PHYS_LIMIT_MIN  0x100000000ULL       /* always map the low 4 GiB */
#define PHYS_LIMIT_MAX  0x8000000000ULL      /* one PDPT: 512 GiB */

static efi_memory_descriptor_t *map_buf;
static uint64_t map_capacity;               /* bytes */
static uint64_t map_size, map_key, desc_size;
static uint32_t desc_version;

/* Stale-key self-test (boot.cfg "mantraboot.test_stale_key"): hand the
 * firmware a wrong key once to prove the retry path works. */
bool mmap_test_stale_key;

#define DESC(i) ((efi_memory_descriptor_t *)((uint8_t *)map_buf + (i) * desc_size))

static efi_status_t mmap_read(void)
{
	map_size = map_capacity;
	return efi_bs->get_memory_map(&map_size, map_buf, &map_key, &desc_size,
				      &desc_version);
}

/* Allocate a buffer big enough for the memory map (with slack for the
 * allocations still to come) and read it once. */
efi_status_t mmap_prepare(void)
{
	efi_status_t st;

	map_capacity = 0;
	st = efi_bs->get_memory_map(&map_capacity, NULL, &map_key, &desc_size,
				    &desc_version);
	if (st != EFI_BUFFER_TOO_SMALL || desc_size < sizeof(efi_memory_descriptor_t)) {
		con_error("cannot size the memory map", st);
		return EFI_IS_ERROR(st) ? st : EFI_LOAD_ERROR;
	}
	map_capacity += MAP_SLACK_DESCS * desc_size;
	st = efi_bs->allocate_pool(EFI_LOADER_DATA, map_capacity, (void **)&map_buf);
	if (!EFI_IS_ERROR(st))
		st = mmap_read();
	if (EFI_IS_ERROR(st))
		con_error("cannot read the memory map", st);
	return st;
}

/* Highest address the handoff tables must map: the end of the highest
 * memory-map entry, at least 4 GiB (for the framebuffer and local APIC),
 * rounded to 1 GiB and capped at 512 GiB. */
uint64_t mmap_phys_limit(void)
{
	uint64_t limit = PHYS_LIMIT_MIN, i;

	for (i = 0; i < map_size / desc_size; i++) {
		efi_memory_descriptor_t *d = DESC(i);
		uint64_t end = d->physical_start + d->number_of_pages * 4096;
		if (d->type != EFI_MEMORY_MAPPED_IO && end > limit)
			limit = end;
	}
	limit = (limit + 0x3fffffffULL) & ~0x3fffffffULL;
	return limit > PHYS_LIMIT_MAX ? PHYS_LIMIT_MAX : limit;
}

static uint32_t mmap_convert_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MANTRA_MEM_USABLE;
	case EFI_RUNTIME_SERVICES_CODE:
	case EFI_RUNTIME_SERVICES_DATA:
		return MANTRA_MEM_RUNTIME;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MANTRA_MEM_ACPI_RECLAIM;
	case EFI_ACPI_MEMORY_NVS:
		return MANTRA_MEM_ACPI_NVS;
	case EFI_MEMORY_MAPPED_IO:
	case EFI_MEMORY_MAPPED_IO_PORT_SPACE:
		return MANTRA_MEM_MMIO;
	case EFI_UNUSABLE_MEMORY:
		return MANTRA_MEM_BAD;
	case (uint32_t)EFI_MANTRA_KERNEL:
		return MANTRA_MEM_KERNEL;
	case (uint32_t)EFI_MANTRA_BOOT_DATA:
		return MANTRA_MEM_BOOT_DATA;
	default:
		return MANTRA_MEM_RESERVED;
	}
}

/* Insert (base, length, type) into the sorted array out[0..*n), merging
 * with a neighbour of the same type that touches it.  Returns false when
 * the array is full. */
static bool mmap_insert(struct mantra_mmap_entry *out, uint32_t *n,
			uint32_t capacity, uint64_t base, uint64_t length,
			uint32_t type)
{
	uint32_t i = *n;

	while (i > 0 && out[i - 1].base > base)
		i--;
	if (i > 0 && out[i - 1].type == type &&
	    out[i - 1].base + out[i - 1].length == base &&
	    (i == *n || out[i].base >= base + length)) {
		out[i - 1].length += length;
		return true;
	}
	if (*n == capacity)
		return false;
	for (uint32_t j = *n; j > i; j--)
		out[j] = out[j - 1];
	out[i] = (struct mantra_mmap_entry){ base, length, type, 0 };
	(*n)++;
	return true;
}

/* Read the final memory map and call ExitBootServices, retrying while the
 * map key is stale (UEFI 2.10 section 7.4.6: the map may change between the
 * two calls; after a failed attempt only the memory-map services may be
 * used, so nothing is printed).  On success, fill bi's memory map from the
 * final map.  Boot services are gone when this returns success. */
efi_status_t mmap_exit_boot_services(struct mantra_bootinfo *bi,
				     struct mantra_mmap_entry *out,
				     uint32_t capacity)
{
	efi_status_t st = EFI_LOAD_ERROR;
	uint32_t attempt, n = 0;

	for (attempt = 1; attempt <= 8; attempt++) {
		st = mmap_read();
		if (EFI_IS_ERROR(st))
			return st;
		uint64_t key = map_key;
		if (mmap_test_stale_key && attempt == 1)
			key ^= 0x5a5a;
		st = efi_bs->exit_boot_services(efi_image, key);
		if (!EFI_IS_ERROR(st))
			break;
	}
	if (EFI_IS_ERROR(st))
		return st;
	bi->exit_attempts = attempt;
	for (uint64_t i = 0; i < map_size / desc_size; i++) {
		efi_memory_descriptor_t *d = DESC(i);
		if (!mmap_insert(out, &n, capacity, d->physical_start,
				 d->number_of_pages * 4096,
				 mmap_convert_type(d->type)))
			break;      /* full: the rest is simply not offered */
	}
	bi->mmap_count = n;
	bi->mmap_entry_size = sizeof(struct mantra_mmap_entry);
	return EFI_SUCCESS;
}
