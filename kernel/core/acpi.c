/*
 * Finding ACPI tables (ACPI 6.4, 5.2.5 to 5.2.8): RSDP -> XSDT (64-bit
 * entries) or RSDT (32-bit entries, ACPI 1.0) -> tables.  Every structure
 * is checked before it is used: mapped, of a sane length, checksum zero.
 */
#include <kernel/acpi.h>
#include <kernel/arch.h>
#include <kernel/mm.h>
#include <string/string.h>

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* The direct-map address of [pa, pa + len) if every page of it is mapped
 * (the direct map covers RAM and firmware areas, not holes), else NULL. */
static const void *acpi_map(paddr_t pa, size_t len)
{
	unsigned prot;

	if (!pa || len == 0 || pa + len < pa)
		return NULL;
	for (paddr_t p = ALIGN_DOWN(pa, PAGE_SIZE); p < pa + len; p += PAGE_SIZE)
		if (!arch_query_kernel((vaddr_t)phys_to_virt(p), &prot))
			return NULL;
	return phys_to_virt(pa);
}

/* A whole table at pa, checked; NULL with *why if bad.  `sig` NULL
 * accepts any signature. */
static const struct acpi_sdt_header *acpi_table(paddr_t pa, const char *sig,
						const char **why)
{
	const struct acpi_sdt_header *h = acpi_map(pa, sizeof(*h));

	if (!h) {
		*why = "table header not in mapped memory";
		return NULL;
	}
	if (sig && memcmp(h->signature, sig, 4) != 0) {
		*why = "wrong table signature";
		return NULL;
	}
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX) {
		*why = "table length out of range";
		return NULL;
	}
	if (!acpi_map(pa, h->length)) {
		*why = "table not in mapped memory";
		return NULL;
	}
	if (!acpi_checksum_ok(h, h->length)) {
		*why = "table checksum is wrong";
		return NULL;
	}
	return h;
}

/* The root table's physical address and entry size from a checked RSDP. */
static bool acpi_root(paddr_t rsdp_pa, paddr_t *root, size_t *entry, const char **why)
{
	const struct acpi_rsdp *r = acpi_map(rsdp_pa, 20);

	if (!r) {
		*why = rsdp_pa ? "RSDP not in mapped memory" : "no RSDP from the firmware";
		return false;
	}
	if (memcmp(r->signature, "RSD PTR ", 8) != 0 || !acpi_checksum_ok(r, 20)) {
		*why = "RSDP signature or checksum is wrong";
		return false;
	}
	if (r->revision < 2) {
		*root = r->rsdt;
		*entry = 4;
		return true;
	}
	r = acpi_map(rsdp_pa, sizeof(*r));
	if (!r || r->length < sizeof(*r) || r->length > PAGE_SIZE ||
	    !acpi_map(rsdp_pa, r->length) || !acpi_checksum_ok(r, r->length)) {
		*why = "RSDP extended length or checksum is wrong";
		return false;
	}
	*root = r->xsdt;
	*entry = 8;
	return true;
}

const struct acpi_sdt_header *acpi_find_table(paddr_t rsdp_pa, const char *sig,
					      const char **why)
{
	const struct acpi_sdt_header *root;
	paddr_t root_pa;
	size_t entry, count;

	if (!acpi_root(rsdp_pa, &root_pa, &entry, why))
		return NULL;
	root = acpi_table(root_pa, entry == 8 ? "XSDT" : "RSDT", why);
	if (!root)
		return NULL;
	count = (root->length - sizeof(*root)) / entry;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * entry;
		uint64_t pa = 0;
		const struct acpi_sdt_header *t;

		memcpy(&pa, e, entry);      /* unaligned; little-endian */
		t = acpi_map(pa, sizeof(*t));
		if (!t || memcmp(t->signature, sig, 4) != 0)
			continue;
		return acpi_table(pa, sig, why);
	}
	*why = "no such table";
	return NULL;
}
