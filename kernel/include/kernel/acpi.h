/*
 * ACPI static tables (ACPI 6.4, chapter 5.2): finding one by signature
 * through the RSDP and the XSDT (or, for ACPI 1.0, the RSDT), with every
 * checksum and length checked.  Firmware tables are input the kernel does
 * not trust: a bad one is refused with a reason, never a panic.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <kernel/types.h>

/* The header every system description table starts with (5.2.6). */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length;            /* whole table, header included */
	uint8_t revision;
	uint8_t checksum;           /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI 5.2.6");

/* The RSDP (5.2.5.3); the fields from `length` on exist from revision 2. */
struct acpi_rsdp {
	char signature[8];          /* "RSD PTR " */
	uint8_t checksum;           /* the first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;           /* 0: ACPI 1.0; 2: ACPI 2.0 and later */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;       /* all `length` bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 5.2.5.3");

/* Largest table accepted (a sanity bound on a firmware-given length). */
#define ACPI_TABLE_MAX (1u << 20)

/* True if the `len` bytes at p sum to 0 (mod 256). */
bool acpi_checksum_ok(const void *p, size_t len);

/* The table with signature `sig` (4 characters) reached from the RSDP at
 * physical address rsdp_pa, checked (readable, length, checksum), through
 * the direct map; NULL if there is none or a table on the way is bad, with
 * *why saying which and why.  Reads only. */
const struct acpi_sdt_header *acpi_find_table(paddr_t rsdp_pa, const char *sig,
					      const char **why);

#endif /* KERNEL_ACPI_H */
