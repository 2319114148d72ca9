/*
 * Host tests for lib/bootfs: archives are built here in C (independently
 * of the parser and of tools/mkbootfs.py), then corrupted field by field.
 * Every bootfs_open() runs on a heap copy of exactly the bytes under test,
 * so AddressSanitizer reports any read outside them.
 *
 * Cross-check with the packer: if BOOTFS_FIXTURE names an archive file,
 * test bootfs_fixture.open opens it and walks it; BOOTFS_FIXTURE_ERR (a
 * number, default 0) is the bootfs_open() result expected.  Without
 * BOOTFS_FIXTURE that test passes trivially.  tests/host/test_mkbootfs.py
 * runs it that way on archives made by tools/mkbootfs.py.
 */
#include "test.h"

#include <bootfs/bootfs.h>

#include <stdint.h>
#include <stdlib.h>

#define ALIGN 4096u

/* ---- archive builder (test-side, independent of lib/bootfs) ---------- */

static uint32_t crc_table[256];

/* Table-driven CRC-32 (zlib's), a different algorithm from the parser's. */
static uint32_t tcrc(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	if (!crc_table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;
			for (int k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			crc_table[i] = v;
		}
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }
static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

struct tfile {
	const char *name;
	const char *data;   /* NUL-terminated text; size = strlen */
};

struct archive {
	uint8_t *buf;
	size_t size;
	size_t hdr, esz;    /* header and entry sizes used */
};

static size_t up(size_t x) { return (x + ALIGN - 1) / ALIGN * ALIGN; }

#define H_OFF(f) __builtin_offsetof(struct bootfs_header, f)
#define E_OFF(f) __builtin_offsetof(struct bootfs_entry, f)

/* Entry i of archive a. */
static uint8_t *ent(struct archive *a, size_t i)
{
	return a->buf + rd32(a->buf + H_OFF(entry_offset)) + i * a->esz;
}

/* Recompute the metadata CRC after a deliberate edit. */
static void reseal(struct archive *a)
{
	uint32_t end = rd32(a->buf + H_OFF(names_offset)) +
		       rd32(a->buf + H_OFF(names_size));

	wr32(a->buf + H_OFF(meta_crc32), 0);
	wr32(a->buf + H_OFF(meta_crc32), tcrc(a->buf, end));
}

/* Recompute entry i's file CRC, then the metadata CRC. */
static void reseal_file(struct archive *a, size_t i)
{
	uint8_t *e = ent(a, i);

	wr32(e + E_OFF(crc32), tcrc(a->buf + rd64(e + E_OFF(data_offset)),
				    rd64(e + E_OFF(size))));
	reseal(a);
}

/* Build an archive of files f[0..n) in the given order (the caller picks
 * the order, so unsorted and duplicate archives can be made too) with the
 * given header and entry record sizes. */
static struct archive build_sized(const struct tfile *f, size_t n,
				  size_t hdr, size_t esz)
{
	struct archive a = { NULL, 0, hdr, esz };
	size_t names = 0, meta, pos, nameoff = 0;

	for (size_t i = 0; i < n; i++)
		names += strlen(f[i].name) + 1;
	meta = hdr + n * esz + names;
	pos = up(meta);
	a.size = pos;
	for (size_t i = 0; i < n; i++)
		a.size = up(a.size + strlen(f[i].data));
	if (a.size == 0)
		a.size = ALIGN;
	a.buf = calloc(1, a.size);
	wr32(a.buf, BOOTFS_MAGIC);
	wr16(a.buf + H_OFF(version), BOOTFS_VERSION);
	wr16(a.buf + H_OFF(header_size), (uint16_t)hdr);
	wr16(a.buf + H_OFF(entry_size), (uint16_t)esz);
	wr32(a.buf + H_OFF(entry_count), (uint32_t)n);
	wr64(a.buf + H_OFF(total_size), a.size);
	wr32(a.buf + H_OFF(entry_offset), (uint32_t)hdr);
	wr32(a.buf + H_OFF(names_offset), (uint32_t)(hdr + n * esz));
	wr32(a.buf + H_OFF(names_size), (uint32_t)names);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = a.buf + hdr + i * esz;
		size_t len = strlen(f[i].data);

		wr32(e + E_OFF(name_offset), (uint32_t)nameoff);
		wr32(e + E_OFF(name_len), (uint32_t)strlen(f[i].name));
		memcpy(a.buf + hdr + n * esz + nameoff, f[i].name,
		       strlen(f[i].name) + 1);
		nameoff += strlen(f[i].name) + 1;
		wr64(e + E_OFF(data_offset), pos);
		wr64(e + E_OFF(size), len);
		memcpy(a.buf + pos, f[i].data, len);
		wr32(e + E_OFF(crc32), tcrc(a.buf + pos, len));
		pos = up(pos + len);
	}
	reseal(&a);
	return a;
}

static struct archive build(const struct tfile *f, size_t n)
{
	return build_sized(f, n, sizeof(struct bootfs_header),
			   sizeof(struct bootfs_entry));
}

static const struct tfile three[] = {
	{ "bin/init", "#!init\n" },
	{ "manifest", "service console\nservice fs\n" },
	{ "srv/console", "console server image" },
};

static struct archive build3(void)
{
	return build(three, 3);
}

/* Open the first `size` bytes of a in an exact-size heap buffer.  The
 * failure message is copied to why_out (if given). */
static int open_n(const struct archive *a, size_t size, char *why_out)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct bootfs fs;
	const char *why = NULL;
	int err;

	memcpy(copy, a->buf, size);
	err = bootfs_open(&fs, copy, size, &why);
	if (err && why_out)
		snprintf(why_out, 64, "%s", why ? why : "(none)");
	if (err)
		CHECK_EQ(bootfs_count(&fs), 0);
	free(copy);
	return err;
}

static int open_a(const struct archive *a, char *why_out)
{
	return open_n(a, a->size, why_out);
}

/* Expect error `err` with message `msg`. */
#define EXPECT_ERR(a, err, msg)                                             \
	do {                                                                \
		char _w[64] = "";                                           \
		CHECK_EQ(open_a(a, _w), err);                               \
		CHECK_STR(_w, msg);                                         \
	} while (0)

/* ---- valid archives ---------------------------------------------------- */

TEST(bootfs, valid_three_files)
{
	struct archive a = build3();

	CHECK_EQ(open_a(&a, NULL), 0);
	free(a.buf);
}

TEST(bootfs, count_and_entries_in_order)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	CHECK_EQ(bootfs_count(&fs), 3);
	for (size_t i = 0; i < 3; i++) {
		CHECK_EQ(bootfs_entry(&fs, i, &f), 0);
		CHECK_STR(f.name, three[i].name);
		CHECK_EQ(f.name_len, strlen(three[i].name));
		CHECK_EQ(f.size, strlen(three[i].data));
		CHECK(memcmp(f.data, three[i].data, f.size) == 0);
	}
	free(a.buf);
}

TEST(bootfs, data_page_aligned_in_archive)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	for (size_t i = 0; i < 3; i++) {
		CHECK_EQ(bootfs_entry(&fs, i, &f), 0);
		CHECK_EQ(((const uint8_t *)f.data - a.buf) % ALIGN, 0);
	}
	free(a.buf);
}

TEST(bootfs, find_each)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	for (size_t i = 0; i < 3; i++) {
		CHECK_EQ(bootfs_find(&fs, three[i].name, &f), 0);
		CHECK_STR(f.name, three[i].name);
		CHECK(memcmp(f.data, three[i].data, f.size) == 0);
	}
	free(a.buf);
}

TEST(bootfs, find_missing)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	CHECK_EQ(bootfs_find(&fs, "nope", &f), BOOTFS_ERR_NOT_FOUND);
	CHECK_EQ(bootfs_find(&fs, "", &f), BOOTFS_ERR_NOT_FOUND);
	CHECK_EQ(bootfs_find(&fs, "a", &f), BOOTFS_ERR_NOT_FOUND);
	CHECK_EQ(bootfs_find(&fs, "zzz", &f), BOOTFS_ERR_NOT_FOUND);
	free(a.buf);
}

TEST(bootfs, find_prefix_is_not_a_match)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	CHECK_EQ(bootfs_find(&fs, "bin/ini", &f), BOOTFS_ERR_NOT_FOUND);
	CHECK_EQ(bootfs_find(&fs, "bin/init2", &f), BOOTFS_ERR_NOT_FOUND);
	CHECK_EQ(bootfs_find(&fs, "manifest ", &f), BOOTFS_ERR_NOT_FOUND);
	free(a.buf);
}

TEST(bootfs, find_many_entries)
{
	static char names[100][16];
	struct tfile f[100];
	struct archive a;
	struct bootfs fs;
	struct bootfs_file out;

	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "f%03d", i);
		f[i].name = names[i];
		f[i].data = names[i];
	}
	a = build(f, 100);
	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	for (int i = 0; i < 100; i++) {
		CHECK_EQ(bootfs_find(&fs, names[i], &out), 0);
		CHECK_STR(out.name, names[i]);
		CHECK_EQ(out.size, 4);
	}
	CHECK_EQ(bootfs_find(&fs, "f100", &out), BOOTFS_ERR_NOT_FOUND);
	free(a.buf);
}

TEST(bootfs, empty_archive)
{
	struct archive a = build(NULL, 0);
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(a.size, ALIGN);
	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	CHECK_EQ(bootfs_count(&fs), 0);
	CHECK_EQ(bootfs_find(&fs, "x", &f), BOOTFS_ERR_NOT_FOUND);
	CHECK_EQ(bootfs_entry(&fs, 0, &f), BOOTFS_ERR_INVAL);
	free(a.buf);
}

TEST(bootfs, zero_size_files)
{
	static const struct tfile f[] = { { "a", "" }, { "b", "" }, { "c", "x" } };
	struct archive a = build(f, 3);
	struct bootfs fs;
	struct bootfs_file out;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	CHECK_EQ(bootfs_find(&fs, "b", &out), 0);
	CHECK_EQ(out.size, 0);
	free(a.buf);
}

TEST(bootfs, larger_buffer_accepted)
{
	struct archive a = build3();
	uint8_t *big = calloc(1, a.size + 8192);

	memcpy(big, a.buf, a.size);
	struct bootfs fs;
	CHECK_EQ(bootfs_open(&fs, big, a.size + 8192, NULL), 0);
	CHECK_EQ(bootfs_count(&fs), 3);
	free(big);
	free(a.buf);
}

TEST(bootfs, unaligned_base_accepted)
{
	struct archive a = build3();
	uint8_t *big = malloc(a.size + 3);
	struct bootfs fs;
	struct bootfs_file f;

	memcpy(big + 3, a.buf, a.size);
	CHECK_EQ(bootfs_open(&fs, big + 3, a.size, NULL), 0);
	CHECK_EQ(bootfs_find(&fs, "manifest", &f), 0);
	CHECK(memcmp(f.data, three[1].data, f.size) == 0);
	free(big);
	free(a.buf);
}

TEST(bootfs, larger_header_and_entries_accepted)
{
	/* A future compatible revision: appended header and entry fields. */
	struct archive a = build_sized(three, 3, 128, 48);
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	CHECK_EQ(bootfs_find(&fs, "srv/console", &f), 0);
	CHECK(memcmp(f.data, three[2].data, f.size) == 0);
	free(a.buf);
}

TEST(bootfs, name_max_length_accepted)
{
	char name[BOOTFS_NAME_MAX + 1];
	struct tfile f = { name, "x" };
	struct archive a;

	memset(name, 'n', BOOTFS_NAME_MAX);
	name[BOOTFS_NAME_MAX] = 0;
	a = build(&f, 1);
	CHECK_EQ(open_a(&a, NULL), 0);
	free(a.buf);
}

TEST(bootfs, why_may_be_null)
{
	struct archive a = build3();
	struct bootfs fs;

	a.buf[0] ^= 1;
	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), BOOTFS_ERR_MAGIC);
	free(a.buf);
}

TEST(bootfs, null_arguments)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;
	const char *why;

	CHECK_EQ(bootfs_open(NULL, a.buf, a.size, &why), BOOTFS_ERR_INVAL);
	CHECK_EQ(bootfs_open(&fs, NULL, 100, &why), BOOTFS_ERR_INVAL);
	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, &why), 0);
	CHECK_EQ(bootfs_entry(&fs, 0, NULL), BOOTFS_ERR_INVAL);
	CHECK_EQ(bootfs_entry(NULL, 0, &f), BOOTFS_ERR_INVAL);
	CHECK_EQ(bootfs_find(&fs, NULL, &f), BOOTFS_ERR_INVAL);
	CHECK_EQ(bootfs_find(&fs, "manifest", NULL), BOOTFS_ERR_INVAL);
	CHECK_EQ(bootfs_count(NULL), 0);
	free(a.buf);
}

TEST(bootfs, entry_index_out_of_range)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	CHECK_EQ(bootfs_entry(&fs, 3, &f), BOOTFS_ERR_INVAL);
	CHECK_EQ(bootfs_entry(&fs, SIZE_MAX, &f), BOOTFS_ERR_INVAL);
	free(a.buf);
}

TEST(bootfs, failed_open_leaves_empty_archive)
{
	struct archive a = build3();
	struct bootfs fs;
	struct bootfs_file f;

	CHECK_EQ(bootfs_open(&fs, a.buf, a.size, NULL), 0);
	a.buf[a.size - ALIGN] ^= 0xff;    /* a file's data */
	CHECK(bootfs_open(&fs, a.buf, a.size, NULL) != 0);
	CHECK_EQ(bootfs_count(&fs), 0);
	CHECK_EQ(bootfs_find(&fs, "manifest", &f), BOOTFS_ERR_NOT_FOUND);
	free(a.buf);
}

/* ---- truncation ---------------------------------------------------- */

TEST(bootfs, truncated_every_length)
{
	struct archive a = build3();

	for (size_t n = 0; n < a.size; n++)
		CHECK_EQ(open_n(&a, n, NULL), BOOTFS_ERR_TRUNCATED);
	free(a.buf);
}

TEST(bootfs, truncated_header_message)
{
	struct archive a = build3();
	char w[64];

	CHECK_EQ(open_n(&a, 63, w), BOOTFS_ERR_TRUNCATED);
	CHECK_STR(w, "truncated header");
	CHECK_EQ(open_n(&a, 64, w), BOOTFS_ERR_TRUNCATED);
	CHECK_STR(w, "archive truncated");
	free(a.buf);
}

TEST(bootfs, total_size_beyond_buffer)
{
	struct archive a = build3();

	wr64(a.buf + H_OFF(total_size), a.size + ALIGN);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TRUNCATED, "archive truncated");
	wr64(a.buf + H_OFF(total_size), UINT64_MAX & ~(uint64_t)(ALIGN - 1));
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TRUNCATED, "archive truncated");
	free(a.buf);
}

/* ---- header fields -------------------------------------------------- */

TEST(bootfs, bad_magic)
{
	struct archive a = build3();

	for (int i = 0; i < 4; i++) {
		a.buf[i] ^= 0x20;
		EXPECT_ERR(&a, BOOTFS_ERR_MAGIC, "bad magic");
		a.buf[i] ^= 0x20;
	}
	free(a.buf);
}

TEST(bootfs, future_version)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(version), BOOTFS_VERSION + 1);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_VERSION, "unsupported version");
	free(a.buf);
}

TEST(bootfs, version_zero)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(version), 0);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_VERSION, "unsupported version");
	free(a.buf);
}

TEST(bootfs, header_size_too_small)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(header_size), 56);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "bad header size");
	free(a.buf);
}

TEST(bootfs, header_size_misaligned)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(header_size), 68);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "bad header size");
	free(a.buf);
}

TEST(bootfs, header_size_beyond_entry_table)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(header_size), 72);  /* entry table still at 64 */
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "entry table out of place");
	free(a.buf);
}

TEST(bootfs, entry_size_too_small)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(entry_size), 24);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "bad entry size");
	wr16(a.buf + H_OFF(entry_size), 0);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "bad entry size");
	free(a.buf);
}

TEST(bootfs, entry_size_misaligned)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(entry_size), 33);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "bad entry size");
	free(a.buf);
}

TEST(bootfs, header_flags_nonzero)
{
	struct archive a = build3();

	wr16(a.buf + H_OFF(flags), 1);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "unknown header flags");
	free(a.buf);
}

TEST(bootfs, reserved_nonzero)
{
	struct archive a = build3();

	for (size_t i = 0; i < 24; i++) {
		a.buf[H_OFF(reserved) + i] = 0x01;
		reseal(&a);
		EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "reserved header bytes not zero");
		a.buf[H_OFF(reserved) + i] = 0;
	}
	free(a.buf);
}

TEST(bootfs, total_size_not_page_multiple)
{
	struct archive a = build3();

	wr64(a.buf + H_OFF(total_size), a.size - 1);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "bad total size");
	free(a.buf);
}

TEST(bootfs, total_size_zero)
{
	struct archive a = build3();

	wr64(a.buf + H_OFF(total_size), 0);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_HEADER, "bad total size");
	free(a.buf);
}

/* ---- tables ---------------------------------------------------------- */

TEST(bootfs, entry_offset_inside_header)
{
	struct archive a = build3();

	wr32(a.buf + H_OFF(entry_offset), 32);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "entry table out of place");
	free(a.buf);
}

TEST(bootfs, entry_offset_misaligned)
{
	struct archive a = build3();

	wr32(a.buf + H_OFF(entry_offset), 68);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "entry table out of place");
	free(a.buf);
}

TEST(bootfs, entry_offset_beyond_archive)
{
	struct archive a = build3();

	wr32(a.buf + H_OFF(entry_offset), 0xfffffff8u);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "entry table out of place");
	free(a.buf);
}

TEST(bootfs, entry_count_huge)
{
	struct archive a = build3();

	wr32(a.buf + H_OFF(entry_count), 0xffffffffu);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "entry table out of bounds");
	wr32(a.buf + H_OFF(entry_count), (uint32_t)(a.size / 32));
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "entry table out of bounds");
	free(a.buf);
}

TEST(bootfs, entry_count_one_more)
{
	struct archive a = build3();

	/* The table now runs into the name table. */
	wr32(a.buf + H_OFF(entry_count), 4);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "name table overlaps entry table");
	free(a.buf);
}

TEST(bootfs, names_offset_inside_entry_table)
{
	struct archive a = build3();

	wr32(a.buf + H_OFF(names_offset), 64 + 2 * 32);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "name table overlaps entry table");
	free(a.buf);
}

TEST(bootfs, names_offset_beyond_archive)
{
	struct archive a = build3();

	wr32(a.buf + H_OFF(names_offset), 0xffffff00u);
	wr32(a.buf + H_OFF(names_size), 0);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "name table out of bounds");
	free(a.buf);
}

TEST(bootfs, names_size_overflows)
{
	struct archive a = build3();

	wr32(a.buf + H_OFF(names_size), 0xffffffffu);
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "name table out of bounds");
	wr32(a.buf + H_OFF(names_size), (uint32_t)(a.size - 160 + 1));
	EXPECT_ERR(&a, BOOTFS_ERR_TABLE, "name table out of bounds");
	free(a.buf);
}

/* ---- checksums -------------------------------------------------------- */

TEST(bootfs, meta_crc_wrong)
{
	struct archive a = build3();

	a.buf[H_OFF(meta_crc32)] ^= 1;
	EXPECT_ERR(&a, BOOTFS_ERR_CHECKSUM, "metadata checksum mismatch");
	free(a.buf);
}

TEST(bootfs, every_metadata_byte_protected)
{
	/* Any single corrupted byte in [0, end of names) must be refused. */
	struct archive a = build3();
	size_t end = rd32(a.buf + H_OFF(names_offset)) +
		     rd32(a.buf + H_OFF(names_size));

	for (size_t i = 0; i < end; i++)
		for (int bit = 0; bit < 8; bit++) {
			a.buf[i] ^= (uint8_t)(1 << bit);
			CHECK(open_a(&a, NULL) != 0);
			a.buf[i] ^= (uint8_t)(1 << bit);
		}
	CHECK_EQ(open_a(&a, NULL), 0);
	free(a.buf);
}

TEST(bootfs, every_data_byte_protected)
{
	struct archive a = build3();

	for (size_t i = 0; i < 3; i++) {
		uint8_t *e = ent(&a, i);
		uint64_t off = rd64(e + E_OFF(data_offset));
		char w[64], want[64];

		for (uint64_t k = 0; k < rd64(e + E_OFF(size)); k++) {
			a.buf[off + k] ^= 0x80;
			CHECK_EQ(open_a(&a, w), BOOTFS_ERR_CHECKSUM);
			snprintf(want, sizeof(want), "entry %zu checksum mismatch", i);
			CHECK_STR(w, want);
			a.buf[off + k] ^= 0x80;
		}
	}
	free(a.buf);
}

TEST(bootfs, file_crc_field_wrong)
{
	struct archive a = build3();

	wr32(ent(&a, 2) + E_OFF(crc32), 0x12345678u);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_CHECKSUM, "entry 2 checksum mismatch");
	free(a.buf);
}

/* ---- entries: flags and names ----------------------------------------- */

TEST(bootfs, entry_flags_nonzero)
{
	struct archive a = build3();

	wr32(ent(&a, 1) + E_OFF(flags), 0x80000000u);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_ENTRY, "entry 1 has unknown flags");
	free(a.buf);
}

TEST(bootfs, name_len_zero)
{
	struct archive a = build3();

	wr32(ent(&a, 0) + E_OFF(name_len), 0);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 0 name length invalid");
	free(a.buf);
}

TEST(bootfs, name_len_too_long)
{
	struct archive a = build3();

	wr32(ent(&a, 0) + E_OFF(name_len), BOOTFS_NAME_MAX + 1);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 0 name length invalid");
	wr32(ent(&a, 0) + E_OFF(name_len), 0xffffffffu);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 0 name length invalid");
	free(a.buf);
}

TEST(bootfs, name_offset_out_of_bounds)
{
	struct archive a = build3();

	wr32(ent(&a, 1) + E_OFF(name_offset), 0xfffffff0u);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 1 name out of bounds");
	free(a.buf);
}

TEST(bootfs, name_runs_past_name_table)
{
	struct archive a = build3();
	uint32_t names = rd32(a.buf + H_OFF(names_size));

	/* Last name: its NUL would be one byte past the table. */
	wr32(ent(&a, 2) + E_OFF(name_len), names - rd32(ent(&a, 2) + E_OFF(name_offset)));
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 2 name out of bounds");
	free(a.buf);
}

TEST(bootfs, name_not_terminated)
{
	struct archive a = build3();
	uint8_t *names = a.buf + rd32(a.buf + H_OFF(names_offset));

	names[strlen("bin/init")] = 'x';   /* "bin/initxmanifest" */
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 0 name not NUL-terminated");
	free(a.buf);
}

TEST(bootfs, name_len_shorter_than_string)
{
	struct archive a = build3();

	wr32(ent(&a, 1) + E_OFF(name_len), 3);   /* "man" then 'i', not NUL */
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 1 name not NUL-terminated");
	free(a.buf);
}

static void bad_char_case(char c)
{
	char name[] = "ab?d";
	struct tfile f = { name, "x" };
	struct archive a;

	name[2] = c;
	a = build(&f, 1);
	EXPECT_ERR(&a, BOOTFS_ERR_NAME, "entry 0 name has invalid characters");
	free(a.buf);
}

TEST(bootfs, name_invalid_characters)
{
	bad_char_case(' ');
	bad_char_case('\n');
	bad_char_case('\x01');
	bad_char_case('\x7f');
	bad_char_case('\x80');
	bad_char_case('\xff');
}

TEST(bootfs, duplicate_names)
{
	static const struct tfile f[] = { { "a", "1" }, { "b", "2" }, { "b", "3" } };
	struct archive a = build(f, 3);

	EXPECT_ERR(&a, BOOTFS_ERR_DUPLICATE, "entry 2 duplicate name");
	free(a.buf);
}

TEST(bootfs, duplicate_names_shared_string)
{
	/* Two entries pointing at the same name bytes. */
	struct archive a = build3();

	wr32(ent(&a, 1) + E_OFF(name_offset), 0);
	wr32(ent(&a, 1) + E_OFF(name_len), 8);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_DUPLICATE, "entry 1 duplicate name");
	free(a.buf);
}

TEST(bootfs, unsorted_names)
{
	static const struct tfile f[] = { { "b", "1" }, { "a", "2" } };
	struct archive a = build(f, 2);

	EXPECT_ERR(&a, BOOTFS_ERR_ORDER, "entry 1 not sorted by name");
	free(a.buf);
}

TEST(bootfs, sorted_bytewise_not_by_locale)
{
	/* 'B' (0x42) sorts before 'a' (0x61); "ab" after "a". */
	static const struct tfile f[] = { { "B", "1" }, { "a", "2" }, { "ab", "3" } };
	struct archive a = build(f, 3);

	CHECK_EQ(open_a(&a, NULL), 0);
	free(a.buf);
}

/* ---- entries: data ----------------------------------------------------- */

TEST(bootfs, data_misaligned)
{
	struct archive a = build3();
	uint8_t *e = ent(&a, 1);

	wr64(e + E_OFF(data_offset), rd64(e + E_OFF(data_offset)) + 8);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_DATA, "entry 1 data misaligned");
	free(a.buf);
}

TEST(bootfs, data_offset_beyond_archive)
{
	struct archive a = build3();

	wr64(ent(&a, 2) + E_OFF(data_offset), a.size + ALIGN);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_DATA, "entry 2 data out of bounds");
	free(a.buf);
}

TEST(bootfs, data_offset_overflowing)
{
	struct archive a = build3();

	wr64(ent(&a, 0) + E_OFF(data_offset), UINT64_MAX - ALIGN + 1);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_DATA, "entry 0 data out of bounds");
	free(a.buf);
}

TEST(bootfs, data_size_overflowing)
{
	struct archive a = build3();

	wr64(ent(&a, 0) + E_OFF(size), UINT64_MAX);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_DATA, "entry 0 data out of bounds");
	free(a.buf);
}

TEST(bootfs, data_one_byte_past_end)
{
	struct archive a = build3();
	uint8_t *e = ent(&a, 2);

	wr64(e + E_OFF(size), a.size - rd64(e + E_OFF(data_offset)) + 1);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_DATA, "entry 2 data out of bounds");
	free(a.buf);
}

TEST(bootfs, data_exactly_to_end_ok)
{
	struct archive a = build3();
	uint8_t *e = ent(&a, 2);

	wr64(e + E_OFF(size), a.size - rd64(e + E_OFF(data_offset)));
	reseal_file(&a, 2);
	CHECK_EQ(open_a(&a, NULL), 0);
	free(a.buf);
}

TEST(bootfs, data_overlaps_metadata)
{
	struct archive a = build3();

	wr64(ent(&a, 0) + E_OFF(data_offset), 0);
	reseal_file(&a, 0);
	EXPECT_ERR(&a, BOOTFS_ERR_OVERLAP, "entry 0 data overlaps metadata");
	free(a.buf);
}

TEST(bootfs, data_overlaps_previous_file)
{
	struct archive a = build3();

	wr64(ent(&a, 1) + E_OFF(data_offset),
	     rd64(ent(&a, 0) + E_OFF(data_offset)));
	reseal_file(&a, 1);
	EXPECT_ERR(&a, BOOTFS_ERR_OVERLAP, "entry 1 data overlaps previous file");
	free(a.buf);
}

TEST(bootfs, data_grown_into_next_file)
{
	struct archive a = build3();

	wr64(ent(&a, 0) + E_OFF(size), ALIGN + 1);
	reseal_file(&a, 0);
	EXPECT_ERR(&a, BOOTFS_ERR_OVERLAP, "entry 1 data overlaps previous file");
	free(a.buf);
}

TEST(bootfs, data_out_of_entry_order)
{
	/* Swap two files' data: each is in bounds but out of entry order. */
	struct archive a = build3();
	uint64_t o0 = rd64(ent(&a, 0) + E_OFF(data_offset));
	uint64_t o1 = rd64(ent(&a, 1) + E_OFF(data_offset));

	wr64(ent(&a, 0) + E_OFF(data_offset), o1);
	wr64(ent(&a, 1) + E_OFF(data_offset), o0);
	reseal_file(&a, 0);
	reseal_file(&a, 1);
	CHECK_EQ(open_a(&a, NULL), BOOTFS_ERR_OVERLAP);
	free(a.buf);
}

TEST(bootfs, message_index_multi_digit)
{
	static char names[12][4];
	struct tfile f[12];
	struct archive a;

	for (int i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "%c", 'a' + i);
		f[i].name = names[i];
		f[i].data = "d";
	}
	a = build(f, 12);
	wr32(ent(&a, 11) + E_OFF(flags), 1);
	reseal(&a);
	EXPECT_ERR(&a, BOOTFS_ERR_ENTRY, "entry 11 has unknown flags");
	free(a.buf);
}

/* ---- randomised corruption -------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(bootfs, random_resealed_metadata)
{
	/* Random edits of header and entries with the CRC fixed up, so the
	 * structural checks (not the checksum) must catch them or accept a
	 * still-consistent archive; ASan checks every access. */
	struct archive a = build3();
	uint8_t *orig = malloc(a.size);
	size_t end = 64 + 3 * 32;

	memcpy(orig, a.buf, a.size);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(a.buf, orig, a.size);
		for (int k = 0; k < 1 + (int)(rng() % 4); k++) {
			size_t at = (size_t)(rng() % end);
			if (at >= H_OFF(meta_crc32) && at < H_OFF(meta_crc32) + 4)
				continue;
			a.buf[at] = (uint8_t)rng();
		}
		if (rd32(a.buf + H_OFF(names_offset)) < a.size &&
		    rd32(a.buf + H_OFF(names_size)) <
		    a.size - rd32(a.buf + H_OFF(names_offset)))
			reseal(&a);
		(void)open_a(&a, NULL);
	}
	free(orig);
	free(a.buf);
}

/* ---- cross-check with tools/mkbootfs.py --------------------------------- */

TEST(bootfs_fixture, open)
{
	const char *path = getenv("BOOTFS_FIXTURE");
	const char *experr = getenv("BOOTFS_FIXTURE_ERR");
	struct bootfs fs;
	struct bootfs_file f, g;
	const char *why = "";
	uint8_t *buf;
	long size;
	FILE *fp;
	int err;

	if (!path)
		return;
	fp = fopen(path, "rb");
	CHECK(fp != NULL);
	CHECK(fseek(fp, 0, SEEK_END) == 0);
	size = ftell(fp);
	CHECK(size >= 0);
	rewind(fp);
	buf = malloc(size ? (size_t)size : 1);
	CHECK(fread(buf, 1, (size_t)size, fp) == (size_t)size);
	fclose(fp);

	err = bootfs_open(&fs, buf, (size_t)size, &why);
	if (err != (experr ? atoi(experr) : 0))
		test_fail(__FILE__, __LINE__, "bootfs_open: %d (%s)", err, why);
	for (size_t i = 0; i < bootfs_count(&fs); i++) {
		CHECK_EQ(bootfs_entry(&fs, i, &f), 0);
		CHECK_EQ(bootfs_find(&fs, f.name, &g), 0);
		CHECK(f.data == g.data && f.size == g.size);
		printf("# %s %zu\n", f.name, f.size);
	}
	free(buf);
}
