/*
 * Fuzz lib/bootfs/bootfs.c: bootfs_open() on a hostile archive, then, if
 * it opens, every lookup its users make (kernel/core/main.c and userboot.c,
 * lib/libmantra/bootfs.c, user/init): bootfs_count, bootfs_entry for each
 * index and one past, bootfs_find for each name and for names that are
 * not there.  Every name and data range returned must lie inside the
 * archive, names must be valid, sorted and NUL-terminated, data aligned,
 * in order and matching its CRC-32.
 *
 * Random bytes almost never carry valid CRCs, which would keep the fuzzer
 * at the checksum checks.  So each input is tried twice: as it is, and
 * with every CRC-32 it can locate recomputed (fixup_crcs), which lets
 * mutations of the tables and entries reach the checks after the CRCs.
 */
#include "fuzz.h"

#include <bootfs/bootfs.h>

#include <stdbool.h>

#define HDR_OFF(f)   __builtin_offsetof(struct bootfs_header, f)
#define ENT_OFF(f)   __builtin_offsetof(struct bootfs_entry, f)
#define FIXUP_ENTRIES_MAX 4096

static uint32_t crc_table[256];

/* zlib's crc32(), table-driven: an implementation independent of the
 * reader's bitwise one. */
static uint32_t crc32_ieee(const uint8_t *p, uint64_t n, uint32_t crc)
{
	if (!crc_table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute each file CRC whose entry and data lie in b[0..n), then the
 * metadata CRC (which covers the entry CRCs). */
static void fixup_crcs(uint8_t *b, size_t n)
{
	static const uint8_t zero[4];
	uint64_t entry_offset, entry_size, count, meta_end, crc;

	if (n < sizeof(struct bootfs_header))
		return;
	entry_offset = rd(b + HDR_OFF(entry_offset), 4);
	entry_size = rd(b + HDR_OFF(entry_size), 2);
	count = rd(b + HDR_OFF(entry_count), 4);
	for (uint64_t i = 0; i < count && i < FIXUP_ENTRIES_MAX && entry_size; i++) {
		uint64_t e = entry_offset + i * entry_size, off, len;

		if (e > n || sizeof(struct bootfs_entry) > n - e)
			break;
		off = rd(b + e + ENT_OFF(data_offset), 8);
		len = rd(b + e + ENT_OFF(size), 8);
		if (off <= n && len <= n - off)
			wr32(b + e + ENT_OFF(crc32), crc32_ieee(b + off, len, 0));
	}
	meta_end = rd(b + HDR_OFF(names_offset), 4) + rd(b + HDR_OFF(names_size), 4);
	if (meta_end > n || meta_end < HDR_OFF(meta_crc32) + 4)
		return;
	crc = crc32_ieee(b, HDR_OFF(meta_crc32), 0);
	crc = crc32_ieee(zero, 4, (uint32_t)crc);
	crc = crc32_ieee(b + HDR_OFF(meta_crc32) + 4,
			 meta_end - HDR_OFF(meta_crc32) - 4, (uint32_t)crc);
	wr32(b + HDR_OFF(meta_crc32), (uint32_t)crc);
}

/* A refused archive: a known error, a message, and an empty archive. */
static void check_refused(int err, const struct bootfs *fs, const char *why)
{
	struct bootfs_file f;

	FUZZ_CHECK(err <= BOOTFS_ERR_TRUNCATED && err >= BOOTFS_ERR_OVERLAP);
	FUZZ_CHECK(why != NULL && why[0] != '\0');
	if (why >= fs->why && why < fs->why + sizeof(fs->why))
		FUZZ_CHECK(memchr(fs->why, 0, sizeof(fs->why)) != NULL);
	FUZZ_CHECK(fs->base == NULL && fs->count == 0);
	FUZZ_CHECK(bootfs_count(fs) == 0);
	FUZZ_CHECK(bootfs_entry(fs, 0, &f) == BOOTFS_ERR_INVAL);
	FUZZ_CHECK(bootfs_find(fs, "manifest", &f) == BOOTFS_ERR_NOT_FOUND);
}

/* One file as bootfs_entry() returned it, against the archive. */
static void check_file(const struct bootfs *fs, size_t i,
		       const struct bootfs_file *f)
{
	const uint8_t *base = fs->base;
	size_t total = (size_t)fs->total_size;
	const uint8_t *e = fs->entries + i * fs->entry_size;
	size_t names_size = (size_t)rd(base + HDR_OFF(names_size), 4);

	/* The name and its NUL inside the name table, the data after it. */
	FUZZ_CHECK(fuzz_inside(base, total, fs->names, names_size));
	FUZZ_CHECK(fuzz_inside(fs->names, names_size, f->name, f->name_len + 1));
	FUZZ_CHECK((const uint8_t *)f->data >= fs->names + names_size);
	FUZZ_CHECK(f->name_len >= 1 && f->name_len <= BOOTFS_NAME_MAX);
	FUZZ_CHECK(f->name[f->name_len] == '\0' && strlen(f->name) == f->name_len);
	for (size_t k = 0; k < f->name_len; k++)
		FUZZ_CHECK(f->name[k] > 0x20 && f->name[k] < 0x7f);
	FUZZ_CHECK(fuzz_inside(base, total, f->data, f->size));
	FUZZ_CHECK(((const uint8_t *)f->data - base) % BOOTFS_ALIGN == 0);
	FUZZ_CHECK(fuzz_inside(base, total, e, fs->entry_size));
	FUZZ_CHECK(crc32_ieee(f->data, f->size, 0) ==
		   rd(e + ENT_OFF(crc32), 4));
}

/* Look up `name`, which may or may not be in the archive. */
static void check_find(const struct bootfs *fs, const char *name)
{
	struct bootfs_file f;
	int err = bootfs_find(fs, name, &f);

	FUZZ_CHECK(err == 0 || err == BOOTFS_ERR_NOT_FOUND);
	if (!err)
		FUZZ_CHECK(strcmp(f.name, name) == 0 &&
			   fuzz_inside(fs->base, (size_t)fs->total_size, f.data, f.size));
}

/* Walk an opened archive the way its users do. */
static void check_opened(const struct bootfs *fs, const uint8_t *buf, size_t size)
{
	struct bootfs_file f, g, prev = { 0 };
	char probe[BOOTFS_NAME_MAX + 2];

	FUZZ_CHECK(fs->base == buf);
	FUZZ_CHECK(fs->total_size <= size && fs->total_size % BOOTFS_ALIGN == 0);
	FUZZ_CHECK(bootfs_count(fs) == fs->count);
	FUZZ_CHECK(fs->count == 0 ||
		   fuzz_inside(buf, (size_t)fs->total_size, fs->entries,
			       fs->count * fs->entry_size));
	for (size_t i = 0; i < fs->count; i++) {
		FUZZ_CHECK(bootfs_entry(fs, i, &f) == 0);
		check_file(fs, i, &f);
		if (i) {
			/* Strictly sorted, byte-wise unsigned (docs/bootfs.md;
			 * strcmp compares as unsigned char, C11 7.24.4p1). */
			FUZZ_CHECK(strcmp(prev.name, f.name) < 0);
			FUZZ_CHECK((const uint8_t *)f.data >=
				   (const uint8_t *)prev.data + prev.size);
		}
		FUZZ_CHECK(bootfs_find(fs, f.name, &g) == 0);
		FUZZ_CHECK(g.name == f.name && g.data == f.data && g.size == f.size);
		/* Neighbours of a real name: a prefix and an extension. */
		memcpy(probe, f.name, f.name_len + 1);
		probe[f.name_len - 1] = '\0';
		check_find(fs, probe);
		probe[f.name_len - 1] = f.name[f.name_len - 1];
		probe[f.name_len] = '~';
		probe[f.name_len + 1] = '\0';
		check_find(fs, probe);
		prev = f;
	}
	FUZZ_CHECK(bootfs_entry(fs, fs->count, &f) == BOOTFS_ERR_INVAL);
	check_find(fs, "");
	check_find(fs, "bin/init");
}

/* Open buf[0..size) and check the outcome; returns bootfs_open()'s result. */
static int check_archive(const uint8_t *buf, size_t size)
{
	struct bootfs fs;
	const char *why = NULL;
	int err = bootfs_open(&fs, buf, size, &why);
	uint8_t *exact;

	if (err) {
		check_refused(err, &fs, why);
		return err;
	}
	check_opened(&fs, buf, size);
	/* bootfs_open reads only the archive itself, not the slack after
	 * total_size: the same verdict from an exact-size copy. */
	if (fs.total_size < size) {
		exact = fuzz_dup(buf, (size_t)fs.total_size);
		FUZZ_CHECK(bootfs_open(&fs, exact, (size_t)fs.total_size, NULL) == 0);
		check_opened(&fs, exact, (size_t)fs.total_size);
		free(exact);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	check_archive(data, size);
	fixed = fuzz_dup(data, size);
	fixup_crcs(fixed, size);
	if (memcmp(fixed, data, size) != 0)
		check_archive(fixed, size);
	free(fixed);
	return 0;
}
