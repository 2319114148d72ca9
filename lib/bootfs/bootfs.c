/*
 * Boot archive reader; the format is in mantra/bootfs.h and docs/bootfs.md.
 *
 * All fields are read byte by byte through bootfs_rd16/32/64, so the
 * archive may sit at any alignment and the reader is endian-independent.
 * Every bound is checked in a form that cannot overflow: `len <= limit -
 * off` after `off <= limit`, never `off + len <= limit`.
 */
#include <bootfs/bootfs.h>
#include <support/why.h>

#define BOOTFS_OFF(type, field) __builtin_offsetof(struct type, field)

static uint32_t bootfs_rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t bootfs_rd32(const uint8_t *p)
{
	return bootfs_rd16(p) | bootfs_rd16(p + 2) << 16;
}

static uint64_t bootfs_rd64(const uint8_t *p)
{
	return (uint64_t)bootfs_rd32(p) | (uint64_t)bootfs_rd32(p + 4) << 32;
}

/* Continue a CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32())
 * over n bytes; start with crc = 0.  Slicing by 8 (Intel's method: eight
 * tables, eight bytes per step), about three instructions a byte against
 * forty for the bitwise loop: the kernel checks the whole archive at every
 * boot.  The tables are built on first use from the bitwise definition. */
static uint32_t crc_table[8][256];
static bool crc_ready;

static void bootfs_crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
					  crc_table[0][crc_table[t - 1][i] & 0xff];
	crc_ready = true;
}

static uint32_t bootfs_crc32(uint32_t crc, const uint8_t *p, uint64_t n)
{
	if (!crc_ready)
		bootfs_crc_init();
	crc = ~crc;
	while (n && ((uintptr_t)p & 7)) {
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		n--;
	}
	for (; n >= 8; n -= 8, p += 8) {
		uint32_t lo = crc ^ bootfs_rd32(p), hi = bootfs_rd32(p + 4);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
	}
	while (n--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static int bootfs_open_common(struct bootfs *fs, const void *base, size_t size,
			      const char **why);

/* Record a failure about entry `index` as "entry <index> <what>" in
 * fs->why; returns err for the caller to pass up. */
static int bootfs_entry_fail(struct bootfs *fs, int err, uint64_t index,
			     const char *what, const char **why)
{
	why_format(fs->why, sizeof(fs->why), "entry", index, what);
	if (why)
		*why = fs->why;
	return err;
}

/* Record a failure with a fixed message. */
static int bootfs_fail(struct bootfs *fs, int err, const char *what,
		       const char **why)
{
	why_format(fs->why, sizeof(fs->why), NULL, 0, what);
	if (why)
		*why = fs->why;
	return err;
}

static bool bootfs_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The header fields that later checks rely on, decoded once. */
struct bootfs_hdr {
	uint32_t header_size, entry_size, entry_count;
	uint64_t total_size;
	uint32_t entry_offset, names_offset, names_size;
};

/* Check the fixed header fields of base[0..size).  Fills *h. */
static int bootfs_check_header(struct bootfs *fs, const uint8_t *b,
			       size_t size, struct bootfs_hdr *h,
			       const char **why)
{
	if (size < sizeof(struct bootfs_header))
		return bootfs_fail(fs, BOOTFS_ERR_TRUNCATED,
				   "truncated header", why);
	if (bootfs_rd32(b) != BOOTFS_MAGIC)
		return bootfs_fail(fs, BOOTFS_ERR_MAGIC, "bad magic", why);
	if (bootfs_rd16(b + BOOTFS_OFF(bootfs_header, version)) != BOOTFS_VERSION)
		return bootfs_fail(fs, BOOTFS_ERR_VERSION,
				   "unsupported version", why);
	h->header_size = bootfs_rd16(b + BOOTFS_OFF(bootfs_header, header_size));
	h->entry_size = bootfs_rd16(b + BOOTFS_OFF(bootfs_header, entry_size));
	h->entry_count = bootfs_rd32(b + BOOTFS_OFF(bootfs_header, entry_count));
	h->total_size = bootfs_rd64(b + BOOTFS_OFF(bootfs_header, total_size));
	h->entry_offset = bootfs_rd32(b + BOOTFS_OFF(bootfs_header, entry_offset));
	h->names_offset = bootfs_rd32(b + BOOTFS_OFF(bootfs_header, names_offset));
	h->names_size = bootfs_rd32(b + BOOTFS_OFF(bootfs_header, names_size));

	if (h->header_size < sizeof(struct bootfs_header) || h->header_size % 8)
		return bootfs_fail(fs, BOOTFS_ERR_HEADER, "bad header size", why);
	if (h->entry_size < sizeof(struct bootfs_entry) || h->entry_size % 8)
		return bootfs_fail(fs, BOOTFS_ERR_HEADER, "bad entry size", why);
	if (bootfs_rd16(b + BOOTFS_OFF(bootfs_header, flags)) != 0)
		return bootfs_fail(fs, BOOTFS_ERR_HEADER,
				   "unknown header flags", why);
	if (!bootfs_all_zero(b + BOOTFS_OFF(bootfs_header, reserved),
			     sizeof(((struct bootfs_header *)0)->reserved)))
		return bootfs_fail(fs, BOOTFS_ERR_HEADER,
				   "reserved header bytes not zero", why);
	if (h->total_size > size)
		return bootfs_fail(fs, BOOTFS_ERR_TRUNCATED,
				   "archive truncated", why);
	if (h->total_size % BOOTFS_ALIGN || h->total_size < h->header_size)
		return bootfs_fail(fs, BOOTFS_ERR_HEADER, "bad total size", why);
	return 0;
}

/* Check that the entry and name tables lie, in that order, after the
 * header and inside the archive, then check the metadata CRC. */
static int bootfs_check_tables(struct bootfs *fs, const uint8_t *b,
			       const struct bootfs_hdr *h, const char **why)
{
	uint64_t table_end, meta_end;
	static const uint8_t zero[4];
	uint32_t crc;
	const size_t crc_at = BOOTFS_OFF(bootfs_header, meta_crc32);

	if (h->entry_offset < h->header_size || h->entry_offset % 8 ||
	    h->entry_offset > h->total_size)
		return bootfs_fail(fs, BOOTFS_ERR_TABLE,
				   "entry table out of place", why);
	if (h->entry_count > (h->total_size - h->entry_offset) / h->entry_size)
		return bootfs_fail(fs, BOOTFS_ERR_TABLE,
				   "entry table out of bounds", why);
	table_end = h->entry_offset + (uint64_t)h->entry_count * h->entry_size;
	if (h->names_offset < table_end)
		return bootfs_fail(fs, BOOTFS_ERR_TABLE,
				   "name table overlaps entry table", why);
	if (h->names_offset > h->total_size ||
	    h->names_size > h->total_size - h->names_offset)
		return bootfs_fail(fs, BOOTFS_ERR_TABLE,
				   "name table out of bounds", why);
	meta_end = (uint64_t)h->names_offset + h->names_size;

	crc = bootfs_crc32(0, b, crc_at);
	crc = bootfs_crc32(crc, zero, sizeof(zero));
	crc = bootfs_crc32(crc, b + crc_at + 4, meta_end - crc_at - 4);
	if (crc != bootfs_rd32(b + crc_at))
		return bootfs_fail(fs, BOOTFS_ERR_CHECKSUM,
				   "metadata checksum mismatch", why);
	return 0;
}

/* Byte-wise comparison of two NUL-terminated names (unsigned bytes). */
static int bootfs_name_cmp(const char *a, const char *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (*x > *y) - (*x < *y);
}

/* Check entry i's name: bounds, NUL, characters (printable ASCII, no
 * space), and strict ordering after the previous name `prev`. */
static int bootfs_check_name(struct bootfs *fs, const struct bootfs_hdr *h,
			     const uint8_t *e, uint32_t i, const char *prev,
			     const char **why)
{
	uint32_t off = bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, name_offset));
	uint32_t len = bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, name_len));
	const uint8_t *name;
	int cmp;

	if (len == 0 || len > BOOTFS_NAME_MAX)
		return bootfs_entry_fail(fs, BOOTFS_ERR_NAME, i,
					 "name length invalid", why);
	/* The name and its NUL: len + 1 bytes from off. */
	if (off > h->names_size || len >= h->names_size - off)
		return bootfs_entry_fail(fs, BOOTFS_ERR_NAME, i,
					 "name out of bounds", why);
	name = fs->names + off;
	if (name[len] != 0)
		return bootfs_entry_fail(fs, BOOTFS_ERR_NAME, i,
					 "name not NUL-terminated", why);
	for (uint32_t k = 0; k < len; k++)
		if (name[k] <= 0x20 || name[k] >= 0x7f)
			return bootfs_entry_fail(fs, BOOTFS_ERR_NAME, i,
						 "name has invalid characters", why);
	if (!prev)
		return 0;
	cmp = bootfs_name_cmp(prev, (const char *)name);
	if (cmp == 0)
		return bootfs_entry_fail(fs, BOOTFS_ERR_DUPLICATE, i,
					 "duplicate name", why);
	if (cmp > 0)
		return bootfs_entry_fail(fs, BOOTFS_ERR_ORDER, i,
					 "not sorted by name", why);
	return 0;
}

/* Check entry i's data: aligned, after the metadata and the previous file
 * (which ends at *data_end), inside the archive, CRC.  Advances *data_end. */
static int bootfs_check_data(struct bootfs *fs, const struct bootfs_hdr *h,
			     const uint8_t *e, uint32_t i, uint64_t *data_end,
			     const char **why)
{
	uint64_t off = bootfs_rd64(e + BOOTFS_OFF(bootfs_entry, data_offset));
	uint64_t len = bootfs_rd64(e + BOOTFS_OFF(bootfs_entry, size));
	uint32_t crc = bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, crc32));

	if (off % BOOTFS_ALIGN)
		return bootfs_entry_fail(fs, BOOTFS_ERR_DATA, i,
					 "data misaligned", why);
	/* total_size <= the buffer's size_t size, so len fits a size_t. */
	if (off > h->total_size || len > h->total_size - off)
		return bootfs_entry_fail(fs, BOOTFS_ERR_DATA, i,
					 "data out of bounds", why);
	if (off < (uint64_t)h->names_offset + h->names_size)
		return bootfs_entry_fail(fs, BOOTFS_ERR_OVERLAP, i,
					 "data overlaps metadata", why);
	if (off < *data_end)
		return bootfs_entry_fail(fs, BOOTFS_ERR_OVERLAP, i,
					 "data overlaps previous file", why);
	if (!fs->trusted && bootfs_crc32(0, fs->base + off, len) != crc)
		return bootfs_entry_fail(fs, BOOTFS_ERR_CHECKSUM, i,
					 "checksum mismatch", why);
	*data_end = off + len;
	return 0;
}

/* Check every entry in table order. */
static int bootfs_check_entries(struct bootfs *fs, const struct bootfs_hdr *h,
				const char **why)
{
	uint64_t data_end = (uint64_t)h->names_offset + h->names_size;
	const char *prev = NULL;
	int err;

	for (uint32_t i = 0; i < h->entry_count; i++) {
		const uint8_t *e = fs->entries + (size_t)i * h->entry_size;

		if (bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, flags)) != 0)
			return bootfs_entry_fail(fs, BOOTFS_ERR_ENTRY, i,
						 "has unknown flags", why);
		err = bootfs_check_name(fs, h, e, i, prev, why);
		if (err)
			return err;
		prev = (const char *)fs->names +
		       bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, name_offset));
		err = bootfs_check_data(fs, h, e, i, &data_end, why);
		if (err)
			return err;
	}
	return 0;
}

int bootfs_open(struct bootfs *fs, const void *base, size_t size,
		const char **why)
{
	if (fs)
		fs->trusted = false;
	return bootfs_open_common(fs, base, size, why);
}

int bootfs_open_trusted(struct bootfs *fs, const void *base, size_t size,
			const char **why)
{
	if (fs)
		fs->trusted = true;
	return bootfs_open_common(fs, base, size, why);
}

static int bootfs_open_common(struct bootfs *fs, const void *base, size_t size,
			      const char **why)
{
	struct bootfs_hdr h;
	int err;

	if (!fs)
		return BOOTFS_ERR_INVAL;
	fs->base = NULL;
	fs->total_size = 0;
	fs->count = 0;
	fs->entries = NULL;
	fs->names = NULL;
	fs->entry_size = 0;
	if (!base)
		return bootfs_fail(fs, BOOTFS_ERR_INVAL, "no archive", why);
	err = bootfs_check_header(fs, base, size, &h, why);
	if (!err)
		err = bootfs_check_tables(fs, base, &h, why);
	if (err)
		return err;

	/* Pointers the entry checks use; fs is only "open" once they pass. */
	fs->entries = (const uint8_t *)base + h.entry_offset;
	fs->names = (const uint8_t *)base + h.names_offset;
	fs->base = base;
	err = bootfs_check_entries(fs, &h, why);
	if (err) {
		fs->base = fs->entries = fs->names = NULL;
		return err;
	}
	fs->total_size = h.total_size;
	fs->entry_size = h.entry_size;
	fs->count = h.entry_count;
	fs->why[0] = '\0';
	return 0;
}

size_t bootfs_count(const struct bootfs *fs)
{
	return fs ? fs->count : 0;
}

/* Fill *out from the validated entry i. */
static void bootfs_fill(const struct bootfs *fs, size_t i,
			struct bootfs_file *out)
{
	const uint8_t *e = fs->entries + i * fs->entry_size;

	out->name = (const char *)fs->names +
		    bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, name_offset));
	out->name_len = bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, name_len));
	out->data = fs->base + bootfs_rd64(e + BOOTFS_OFF(bootfs_entry, data_offset));
	out->size = (size_t)bootfs_rd64(e + BOOTFS_OFF(bootfs_entry, size));
}

int bootfs_entry(const struct bootfs *fs, size_t index,
		 struct bootfs_file *out)
{
	if (!fs || !out || index >= fs->count)
		return BOOTFS_ERR_INVAL;
	bootfs_fill(fs, index, out);
	return 0;
}

int bootfs_find(const struct bootfs *fs, const char *name,
		struct bootfs_file *out)
{
	size_t lo = 0, hi;

	if (!fs || !name || !out)
		return BOOTFS_ERR_INVAL;
	/* Entries are strictly sorted (checked by bootfs_open()). */
	hi = fs->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint8_t *e = fs->entries + mid * fs->entry_size;
		const char *n = (const char *)fs->names +
			bootfs_rd32(e + BOOTFS_OFF(bootfs_entry, name_offset));
		int cmp = bootfs_name_cmp(name, n);

		if (cmp == 0) {
			bootfs_fill(fs, mid, out);
			return 0;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return BOOTFS_ERR_NOT_FOUND;
}
