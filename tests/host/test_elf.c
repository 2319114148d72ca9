/*
 * Host tests for lib/elf: a small valid x86-64 executable is built in
 * memory (ELF header, four program headers: text R+X, rodata R, data R+W
 * with .bss, and a PT_NOTE that must be ignored), then each field is
 * mutated.  elf64_check() always runs on an exact-size heap copy so
 * AddressSanitizer catches any out-of-bounds read.  The test program's own
 * binary (/proc/self/exe, a PIE) must be accepted as ET_DYN.
 */
#include "test.h"

#include <elf/elf64.h>

#include <stdint.h>
#include <stdlib.h>

#define BASE  0xffffffff80000000ull   /* a kernel-like ET_EXEC */
#define PH(i) (64 + (i) * 56)
#define IMAGE_SIZE 0x3010

#define P_TYPE   0
#define P_FLAGS  4
#define P_OFFSET 8
#define P_VADDR  16
#define P_FILESZ 32
#define P_MEMSZ  40
#define P_ALIGN  48

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static void phdr(uint8_t *img, int i, uint32_t type, uint32_t flags,
		 uint64_t off, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
		 uint64_t align)
{
	uint8_t *p = img + PH(i);

	wr32(p + P_TYPE, type);
	wr32(p + P_FLAGS, flags);
	wr64(p + P_OFFSET, off);
	wr64(p + P_VADDR, vaddr);
	wr64(p + 24, vaddr);       /* p_paddr */
	wr64(p + P_FILESZ, filesz);
	wr64(p + P_MEMSZ, memsz);
	wr64(p + P_ALIGN, align);
}

/* The valid image every test starts from (IMAGE_SIZE bytes, calloc'd). */
static uint8_t *make_image(void)
{
	uint8_t *img = calloc(1, IMAGE_SIZE);

	memcpy(img, "\x7f" "ELF", 4);
	img[4] = ELF64_CLASS64;
	img[5] = ELF64_DATA2LSB;
	img[6] = ELF64_EV_CURRENT;
	wr16(img + 16, ELF64_ET_EXEC);
	wr16(img + 18, ELF64_EM_X86_64);
	wr32(img + 20, ELF64_EV_CURRENT);
	wr64(img + 24, BASE + 0x1000 + 0x10);    /* e_entry in text */
	wr64(img + 32, 64);                      /* e_phoff */
	wr16(img + 52, 64);                      /* e_ehsize */
	wr16(img + 54, 56);                      /* e_phentsize */
	wr16(img + 56, 4);                       /* e_phnum */
	phdr(img, 0, ELF64_PT_LOAD, ELF64_PF_R | ELF64_PF_X,
	     0x1000, BASE + 0x1000, 0x1000, 0x1000, 0x1000);
	phdr(img, 1, 4 /* PT_NOTE */, ELF64_PF_R, 0x2000, 0, 0x10, 0x10, 4);
	phdr(img, 2, ELF64_PT_LOAD, ELF64_PF_R,
	     0x2000, BASE + 0x2000, 0x1000, 0x1000, 0x1000);
	phdr(img, 3, ELF64_PT_LOAD, ELF64_PF_R | ELF64_PF_W,
	     0x3000, BASE + 0x3000, 0x10, 0x5000, 0x1000);
	for (size_t i = 0x1000; i < IMAGE_SIZE; i++)
		img[i] = (uint8_t)i;
	return img;
}

static const struct elf64_policy kernel_policy = {
	.machine = ELF64_EM_X86_64,
	.allowed_types = ELF64_ALLOW_EXEC,
	.use_window = true,
	.vaddr_min = 0xffffffff80000000ull,
	.vaddr_max = 0xffffffffc0000000ull,
};

/* Check img[0..size) (from an exact-size copy) and return the result;
 * the message goes to why_out. */
static int check_n(const uint8_t *img, size_t size,
		   const struct elf64_policy *pol, struct elf64_info *info,
		   char *why_out)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct elf64_info local;
	const char *why = NULL;
	int err;

	memcpy(copy, img, size);
	if (!info)
		info = &local;
	err = elf64_check(copy, size, pol, info, &why);
	if (why_out)
		snprintf(why_out, 64, "%s", err ? (why ? why : "(none)") : "");
	free(copy);
	return err;
}

#define EXPECT_ERR(img, err, msg)                                           \
	do {                                                                \
		char _w[64];                                                \
		CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, NULL, _w), err); \
		CHECK_STR(_w, msg);                                         \
	} while (0)

/* ---- valid images ----------------------------------------------------- */

TEST(elf, valid_image)
{
	uint8_t *img = make_image();
	struct elf64_info info;

	CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, &info, NULL), 0);
	CHECK_EQ(info.entry, BASE + 0x1010);
	CHECK_EQ(info.type, ELF64_ET_EXEC);
	CHECK_EQ(info.load_count, 3);
	CHECK_EQ(info.vaddr_lo, BASE + 0x1000);
	CHECK_EQ(info.vaddr_hi, BASE + 0x8000);
	free(img);
}

TEST(elf, segments_enumerated)
{
	uint8_t *img = make_image();
	struct elf64_info info;
	struct elf64_segment s;

	CHECK_EQ(elf64_check(img, IMAGE_SIZE, &kernel_policy, &info, NULL), 0);
	CHECK_EQ(elf64_segment(&info, img, 0, &s), 0);
	CHECK_EQ(s.vaddr, BASE + 0x1000);
	CHECK_EQ(s.flags, ELF64_PF_R | ELF64_PF_X);
	CHECK(s.data == img + 0x1000);
	CHECK_EQ(elf64_segment(&info, img, 1, &s), 0);
	CHECK_EQ(s.vaddr, BASE + 0x2000);
	CHECK_EQ(s.flags, ELF64_PF_R);
	CHECK_EQ(elf64_segment(&info, img, 2, &s), 0);
	CHECK_EQ(s.filesz, 0x10);
	CHECK_EQ(s.memsz, 0x5000);
	CHECK_EQ(s.offset, 0x3000);
	CHECK_EQ(s.align, 0x1000);
	CHECK_EQ(s.flags, ELF64_PF_R | ELF64_PF_W);
	free(img);
}

TEST(elf, segment_index_out_of_range)
{
	uint8_t *img = make_image();
	struct elf64_info info;
	struct elf64_segment s;

	CHECK_EQ(elf64_check(img, IMAGE_SIZE, &kernel_policy, &info, NULL), 0);
	CHECK_EQ(elf64_segment(&info, img, 3, &s), ELF64_ERR_INVAL);
	CHECK_EQ(elf64_segment(&info, img, SIZE_MAX, &s), ELF64_ERR_INVAL);
	CHECK_EQ(elf64_segment(NULL, img, 0, &s), ELF64_ERR_INVAL);
	CHECK_EQ(elf64_segment(&info, img, 0, NULL), ELF64_ERR_INVAL);
	free(img);
}

TEST(elf, segment_after_failed_check)
{
	uint8_t *img = make_image();
	struct elf64_info info;
	struct elf64_segment s;

	img[0] = 0;
	CHECK(elf64_check(img, IMAGE_SIZE, &kernel_policy, &info, NULL) != 0);
	CHECK_EQ(elf64_segment(&info, img, 0, &s), ELF64_ERR_INVAL);
	free(img);
}

TEST(elf, flags_beyond_rwx_masked)
{
	uint8_t *img = make_image();
	struct elf64_info info;
	struct elf64_segment s;

	wr32(img + PH(2) + P_FLAGS, ELF64_PF_R | 0x00f00000u); /* PF_MASKOS */
	CHECK_EQ(elf64_check(img, IMAGE_SIZE, &kernel_policy, &info, NULL), 0);
	CHECK_EQ(elf64_segment(&info, img, 1, &s), 0);
	CHECK_EQ(s.flags, ELF64_PF_R);
	free(img);
}

TEST(elf, no_window_policy)
{
	uint8_t *img = make_image();
	struct elf64_policy pol = kernel_policy;

	pol.use_window = false;
	wr64(img + PH(3) + P_VADDR, 0xffffffffd0000000ull); /* above it */
	CHECK_EQ(check_n(img, IMAGE_SIZE, &pol, NULL, NULL), 0);
	free(img);
}

TEST(elf, window_exact_fit)
{
	uint8_t *img = make_image();
	struct elf64_policy pol = kernel_policy;

	pol.vaddr_min = BASE + 0x1000;
	pol.vaddr_max = BASE + 0x8000;
	CHECK_EQ(check_n(img, IMAGE_SIZE, &pol, NULL, NULL), 0);
	free(img);
}

TEST(elf, dyn_image_allowed_by_policy)
{
	uint8_t *img = make_image();
	struct elf64_policy pol = kernel_policy;

	wr16(img + 16, ELF64_ET_DYN);
	pol.allowed_types = ELF64_ALLOW_DYN | ELF64_ALLOW_EXEC;
	CHECK_EQ(check_n(img, IMAGE_SIZE, &pol, NULL, NULL), 0);
	free(img);
}

TEST(elf, align_zero_and_one_mean_none)
{
	uint8_t *img = make_image();

	wr64(img + PH(0) + P_ALIGN, 0);
	wr64(img + PH(2) + P_ALIGN, 1);
	wr64(img + PH(2) + P_VADDR, BASE + 0x2008);   /* incongruent: fine */
	wr64(img + PH(2) + P_FILESZ, 0xff0);
	wr64(img + PH(2) + P_MEMSZ, 0xff0);
	CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, NULL, NULL), 0);
	free(img);
}

TEST(elf, zero_filesz_bss_only)
{
	uint8_t *img = make_image();

	wr64(img + PH(3) + P_FILESZ, 0);
	CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, NULL, NULL), 0);
	free(img);
}

TEST(elf, adjacent_segments_ok)
{
	uint8_t *img = make_image();

	/* Text ends exactly where rodata starts. */
	wr64(img + PH(0) + P_MEMSZ, 0x1000);
	CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, NULL, NULL), 0);
	free(img);
}

TEST(elf, unaligned_image_base)
{
	uint8_t *img = make_image();
	uint8_t *buf = malloc(IMAGE_SIZE + 1);
	struct elf64_info info;

	memcpy(buf + 1, img, IMAGE_SIZE);
	CHECK_EQ(elf64_check(buf + 1, IMAGE_SIZE, &kernel_policy, &info, NULL), 0);
	free(buf);
	free(img);
}

TEST(elf, host_binary_accepted)
{
	struct elf64_policy pol = {
		.machine = ELF64_EM_X86_64,
		.allowed_types = ELF64_ALLOW_DYN,
		.use_window = false,
	};
	struct elf64_info info;
	struct elf64_segment s;
	const char *why = "";
	FILE *f = fopen("/proc/self/exe", "rb");
	uint8_t *buf;
	long size;

	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	CHECK(fread(buf, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	int err = elf64_check(buf, (size_t)size, &pol, &info, &why);
	if (err)
		test_fail(__FILE__, __LINE__, "host binary refused: %s", why);
	CHECK_EQ(info.type, ELF64_ET_DYN);
	CHECK(info.load_count >= 1);
	CHECK(info.vaddr_lo < info.vaddr_hi);
	for (size_t i = 0; i < info.load_count; i++) {
		CHECK_EQ(elf64_segment(&info, buf, i, &s), 0);
		CHECK(s.filesz <= s.memsz);
		CHECK(!((s.flags & ELF64_PF_W) && (s.flags & ELF64_PF_X)));
	}
	free(buf);
}

TEST(elf, host_binary_refused_as_exec_only)
{
	struct elf64_policy pol = { ELF64_EM_X86_64, ELF64_ALLOW_EXEC, false, 0, 0 };
	struct elf64_info info;
	FILE *f = fopen("/proc/self/exe", "rb");
	uint8_t buf[4096];
	size_t n;

	CHECK(f != NULL);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK_EQ(elf64_check(buf, n, &pol, &info, NULL), ELF64_ERR_TYPE);
}

/* ---- arguments and truncation ----------------------------------------- */

TEST(elf, null_arguments)
{
	uint8_t *img = make_image();
	struct elf64_info info;
	const char *why = NULL;

	CHECK_EQ(elf64_check(img, IMAGE_SIZE, &kernel_policy, NULL, &why),
		 ELF64_ERR_INVAL);
	CHECK_EQ(elf64_check(NULL, 10, &kernel_policy, &info, &why), ELF64_ERR_INVAL);
	CHECK_EQ(elf64_check(img, IMAGE_SIZE, NULL, &info, &why), ELF64_ERR_INVAL);
	CHECK(why != NULL);
	free(img);
}

TEST(elf, truncated_every_length)
{
	uint8_t *img = make_image();

	for (size_t n = 0; n < IMAGE_SIZE; n++)
		CHECK(check_n(img, n, &kernel_policy, NULL, NULL) != 0);
	free(img);
}

TEST(elf, truncated_header)
{
	uint8_t *img = make_image();
	char w[64];

	CHECK_EQ(check_n(img, 0, &kernel_policy, NULL, w), ELF64_ERR_TRUNCATED);
	CHECK_STR(w, "truncated ELF header");
	CHECK_EQ(check_n(img, 63, &kernel_policy, NULL, w), ELF64_ERR_TRUNCATED);
	free(img);
}

TEST(elf, truncated_program_headers)
{
	uint8_t *img = make_image();
	char w[64];

	for (size_t n = 64; n < PH(4); n++) {
		CHECK_EQ(check_n(img, n, &kernel_policy, NULL, w), ELF64_ERR_TRUNCATED);
		CHECK_STR(w, "truncated program header table");
	}
	free(img);
}

TEST(elf, truncated_segment_data)
{
	uint8_t *img = make_image();
	char w[64];

	CHECK_EQ(check_n(img, IMAGE_SIZE - 1, &kernel_policy, NULL, w),
		 ELF64_ERR_SEGMENT);
	CHECK_STR(w, "segment 3 data outside the file");
	free(img);
}

/* ---- identification ---------------------------------------------------- */

TEST(elf, bad_magic_each_byte)
{
	uint8_t *img = make_image();

	for (int i = 0; i < 4; i++) {
		img[i] ^= 0x40;
		EXPECT_ERR(img, ELF64_ERR_MAGIC, "bad ELF magic");
		img[i] ^= 0x40;
	}
	free(img);
}

TEST(elf, class32)
{
	uint8_t *img = make_image();

	img[4] = 1;
	EXPECT_ERR(img, ELF64_ERR_CLASS, "not a 64-bit ELF");
	img[4] = 0;
	EXPECT_ERR(img, ELF64_ERR_CLASS, "not a 64-bit ELF");
	free(img);
}

TEST(elf, big_endian)
{
	uint8_t *img = make_image();

	img[5] = 2;
	EXPECT_ERR(img, ELF64_ERR_DATA, "not little-endian");
	free(img);
}

TEST(elf, ident_version)
{
	uint8_t *img = make_image();

	img[6] = 2;
	EXPECT_ERR(img, ELF64_ERR_VERSION, "unsupported ELF version");
	free(img);
}

TEST(elf, e_version)
{
	uint8_t *img = make_image();

	wr32(img + 20, 0);
	EXPECT_ERR(img, ELF64_ERR_VERSION, "unsupported ELF version");
	free(img);
}

TEST(elf, type_not_allowed)
{
	uint8_t *img = make_image();

	wr16(img + 16, ELF64_ET_DYN);
	EXPECT_ERR(img, ELF64_ERR_TYPE, "ELF type not allowed");
	wr16(img + 16, 1);    /* ET_REL */
	EXPECT_ERR(img, ELF64_ERR_TYPE, "ELF type not allowed");
	wr16(img + 16, 4);    /* ET_CORE */
	EXPECT_ERR(img, ELF64_ERR_TYPE, "ELF type not allowed");
	free(img);
}

TEST(elf, policy_allows_nothing)
{
	uint8_t *img = make_image();
	struct elf64_policy pol = kernel_policy;

	pol.allowed_types = 0;
	CHECK_EQ(check_n(img, IMAGE_SIZE, &pol, NULL, NULL), ELF64_ERR_TYPE);
	free(img);
}

TEST(elf, wrong_machine)
{
	uint8_t *img = make_image();

	wr16(img + 18, 183);   /* EM_AARCH64 */
	EXPECT_ERR(img, ELF64_ERR_MACHINE, "wrong machine");
	free(img);
}

/* ---- header sizes and program header table ---------------------------- */

TEST(elf, bad_ehsize)
{
	uint8_t *img = make_image();

	wr16(img + 52, 52);
	EXPECT_ERR(img, ELF64_ERR_HEADER, "bad ELF header size");
	free(img);
}

TEST(elf, bad_phentsize)
{
	uint8_t *img = make_image();

	wr16(img + 54, 32);
	EXPECT_ERR(img, ELF64_ERR_HEADER, "bad program header entry size");
	wr16(img + 54, 64);
	EXPECT_ERR(img, ELF64_ERR_HEADER, "bad program header entry size");
	free(img);
}

TEST(elf, phnum_zero)
{
	uint8_t *img = make_image();

	wr16(img + 56, 0);
	EXPECT_ERR(img, ELF64_ERR_NO_LOAD, "no program headers");
	free(img);
}

TEST(elf, phnum_huge)
{
	uint8_t *img = make_image();

	wr16(img + 56, 0xffff);   /* PN_XNUM */
	EXPECT_ERR(img, ELF64_ERR_HEADER, "too many program headers");
	wr16(img + 56, ELF64_PHNUM_MAX + 1);
	EXPECT_ERR(img, ELF64_ERR_HEADER, "too many program headers");
	free(img);
}

TEST(elf, phoff_overlaps_header)
{
	uint8_t *img = make_image();

	wr64(img + 32, 0);
	EXPECT_ERR(img, ELF64_ERR_HEADER, "program headers overlap the ELF header");
	free(img);
}

TEST(elf, phoff_beyond_file)
{
	uint8_t *img = make_image();

	wr64(img + 32, IMAGE_SIZE);
	EXPECT_ERR(img, ELF64_ERR_TRUNCATED, "truncated program header table");
	wr64(img + 32, IMAGE_SIZE - 56 * 4 + 1);
	EXPECT_ERR(img, ELF64_ERR_TRUNCATED, "truncated program header table");
	free(img);
}

TEST(elf, phoff_overflowing)
{
	uint8_t *img = make_image();

	wr64(img + 32, UINT64_MAX - 16);
	EXPECT_ERR(img, ELF64_ERR_TRUNCATED, "truncated program header table");
	free(img);
}

TEST(elf, no_load_segment)
{
	uint8_t *img = make_image();

	for (int i = 0; i < 4; i++)
		wr32(img + PH(i) + P_TYPE, 6);   /* PT_PHDR */
	EXPECT_ERR(img, ELF64_ERR_NO_LOAD, "no loadable segment");
	free(img);
}

/* ---- PT_LOAD fields ---------------------------------------------------- */

TEST(elf, segment_offset_beyond_file)
{
	uint8_t *img = make_image();

	wr64(img + PH(2) + P_OFFSET, IMAGE_SIZE + 0x1000);
	EXPECT_ERR(img, ELF64_ERR_SEGMENT, "segment 2 data outside the file");
	free(img);
}

TEST(elf, segment_filesz_beyond_file)
{
	uint8_t *img = make_image();

	wr64(img + PH(3) + P_FILESZ, 0x11);
	EXPECT_ERR(img, ELF64_ERR_SEGMENT, "segment 3 data outside the file");
	free(img);
}

TEST(elf, segment_offset_plus_filesz_overflows)
{
	uint8_t *img = make_image();

	wr64(img + PH(0) + P_OFFSET, 0x1000);
	wr64(img + PH(0) + P_FILESZ, UINT64_MAX - 0x800);
	wr64(img + PH(0) + P_MEMSZ, UINT64_MAX - 0x800);
	EXPECT_ERR(img, ELF64_ERR_SEGMENT, "segment 0 data outside the file");
	free(img);
}

TEST(elf, segment_filesz_exceeds_memsz)
{
	uint8_t *img = make_image();

	wr64(img + PH(2) + P_MEMSZ, 0x800);
	EXPECT_ERR(img, ELF64_ERR_SEGMENT, "segment 2 file size exceeds memory size");
	free(img);
}

TEST(elf, segment_empty)
{
	uint8_t *img = make_image();

	wr64(img + PH(3) + P_FILESZ, 0);
	wr64(img + PH(3) + P_MEMSZ, 0);
	EXPECT_ERR(img, ELF64_ERR_SEGMENT, "segment 3 is empty");
	free(img);
}

TEST(elf, segment_vaddr_overflows)
{
	uint8_t *img = make_image();
	struct elf64_policy pol = kernel_policy;
	char w[64];

	pol.use_window = false;
	wr64(img + PH(3) + P_VADDR, UINT64_MAX - 0xfff);   /* + 0x5000 wraps */
	CHECK_EQ(check_n(img, IMAGE_SIZE, &pol, NULL, w), ELF64_ERR_SEGMENT);
	CHECK_STR(w, "segment 3 address range overflows");
	free(img);
}

TEST(elf, segment_below_window)
{
	uint8_t *img = make_image();

	wr64(img + PH(0) + P_VADDR, 0x1000);
	EXPECT_ERR(img, ELF64_ERR_WINDOW, "segment 0 outside the allowed address window");
	free(img);
}

TEST(elf, segment_above_window)
{
	uint8_t *img = make_image();

	wr64(img + PH(3) + P_VADDR, 0xffffffffc0000000ull);
	EXPECT_ERR(img, ELF64_ERR_WINDOW, "segment 3 outside the allowed address window");
	free(img);
}

TEST(elf, segment_straddles_window_end)
{
	uint8_t *img = make_image();
	struct elf64_policy pol = kernel_policy;
	char w[64];

	pol.vaddr_max = BASE + 0x7fff;    /* .bss ends at BASE + 0x8000 */
	CHECK_EQ(check_n(img, IMAGE_SIZE, &pol, NULL, w), ELF64_ERR_WINDOW);
	CHECK_STR(w, "segment 3 outside the allowed address window");
	free(img);
}

TEST(elf, empty_window)
{
	uint8_t *img = make_image();
	struct elf64_policy pol = kernel_policy;

	pol.vaddr_min = pol.vaddr_max = BASE + 0x1000;
	CHECK_EQ(check_n(img, IMAGE_SIZE, &pol, NULL, NULL), ELF64_ERR_WINDOW);
	free(img);
}

TEST(elf, align_not_power_of_two)
{
	uint8_t *img = make_image();

	wr64(img + PH(2) + P_ALIGN, 0x3000);
	EXPECT_ERR(img, ELF64_ERR_ALIGN, "segment 2 alignment not a power of two");
	free(img);
}

TEST(elf, offset_vaddr_incongruent)
{
	uint8_t *img = make_image();

	wr64(img + PH(2) + P_VADDR, BASE + 0x2010);
	EXPECT_ERR(img, ELF64_ERR_ALIGN, "segment 2 offset and address not congruent");
	free(img);
}

TEST(elf, huge_align_congruent_ok)
{
	/* 2 MiB alignment: offset and vaddr agree modulo 2 MiB. */
	uint8_t *img = make_image();

	wr64(img + PH(0) + P_ALIGN, 0x200000);
	CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, NULL, NULL), 0);
	free(img);
}

TEST(elf, segments_unsorted)
{
	uint8_t *img = make_image();

	wr64(img + PH(2) + P_VADDR, BASE);
	wr64(img + PH(2) + P_OFFSET, 0x2000);
	EXPECT_ERR(img, ELF64_ERR_OVERLAP, "segment 2 overlaps or precedes the previous segment");
	free(img);
}

TEST(elf, segments_overlap)
{
	uint8_t *img = make_image();

	wr64(img + PH(0) + P_MEMSZ, 0x1001);
	EXPECT_ERR(img, ELF64_ERR_OVERLAP, "segment 2 overlaps or precedes the previous segment");
	free(img);
}

TEST(elf, segments_same_address)
{
	uint8_t *img = make_image();

	wr64(img + PH(3) + P_VADDR, BASE + 0x2000);
	EXPECT_ERR(img, ELF64_ERR_OVERLAP, "segment 3 overlaps or precedes the previous segment");
	free(img);
}

TEST(elf, writable_and_executable)
{
	uint8_t *img = make_image();

	wr32(img + PH(3) + P_FLAGS, ELF64_PF_R | ELF64_PF_W | ELF64_PF_X);
	EXPECT_ERR(img, ELF64_ERR_WX, "segment 3 is writable and executable");
	free(img);
}

TEST(elf, text_made_writable)
{
	uint8_t *img = make_image();

	wr32(img + PH(0) + P_FLAGS, ELF64_PF_W | ELF64_PF_X);
	EXPECT_ERR(img, ELF64_ERR_WX, "segment 0 is writable and executable");
	free(img);
}

TEST(elf, non_load_segments_ignored)
{
	/* A PT_NOTE with absurd fields is not a loader's concern. */
	uint8_t *img = make_image();

	wr64(img + PH(1) + P_OFFSET, UINT64_MAX);
	wr64(img + PH(1) + P_FILESZ, UINT64_MAX);
	wr32(img + PH(1) + P_FLAGS, 7);
	CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, NULL, NULL), 0);
	free(img);
}

/* ---- entry point -------------------------------------------------------- */

TEST(elf, entry_in_data_segment)
{
	uint8_t *img = make_image();

	wr64(img + 24, BASE + 0x3000);
	EXPECT_ERR(img, ELF64_ERR_ENTRY, "entry point not in an executable segment");
	free(img);
}

TEST(elf, entry_outside_all_segments)
{
	uint8_t *img = make_image();

	wr64(img + 24, 0);
	EXPECT_ERR(img, ELF64_ERR_ENTRY, "entry point not in an executable segment");
	wr64(img + 24, UINT64_MAX);
	EXPECT_ERR(img, ELF64_ERR_ENTRY, "entry point not in an executable segment");
	free(img);
}

TEST(elf, entry_one_past_text)
{
	uint8_t *img = make_image();

	wr64(img + 24, BASE + 0x2000);   /* first byte of rodata */
	EXPECT_ERR(img, ELF64_ERR_ENTRY, "entry point not in an executable segment");
	wr64(img + 24, BASE + 0x1fff);   /* last byte of text */
	CHECK_EQ(check_n(img, IMAGE_SIZE, &kernel_policy, NULL, NULL), 0);
	free(img);
}

TEST(elf, no_executable_segment)
{
	uint8_t *img = make_image();

	wr32(img + PH(0) + P_FLAGS, ELF64_PF_R);
	EXPECT_ERR(img, ELF64_ERR_ENTRY, "entry point not in an executable segment");
	free(img);
}

/* ---- randomised corruption -------------------------------------------- */

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(elf, random_header_corruption)
{
	/* Random bytes in the ELF and program headers; anything accepted
	 * must still satisfy the documented invariants. */
	uint8_t *img = make_image();
	uint8_t *orig = malloc(IMAGE_SIZE);
	struct elf64_info info;
	struct elf64_segment s;

	memcpy(orig, img, IMAGE_SIZE);
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(img, orig, IMAGE_SIZE);
		for (int k = 0; k < 1 + (int)(rng() % 3); k++)
			img[rng() % PH(4)] = (uint8_t)rng();
		if (check_n(img, IMAGE_SIZE, &kernel_policy, &info, NULL) != 0)
			continue;
		for (size_t i = 0; i < info.load_count; i++) {
			CHECK_EQ(elf64_segment(&info, img, i, &s), 0);
			CHECK(s.offset + s.filesz <= IMAGE_SIZE);
			CHECK(s.vaddr >= kernel_policy.vaddr_min);
			CHECK(s.vaddr + s.memsz <= kernel_policy.vaddr_max);
			CHECK(!((s.flags & ELF64_PF_W) && (s.flags & ELF64_PF_X)));
		}
	}
	free(orig);
	free(img);
}

/* A file cut short after its loadable data is caught through the section
 * header table, which lies at the end. */
TEST(elf, section_headers_past_end_refused)
{
	uint8_t *img = make_image();
	struct elf64_info info;
	const char *why = NULL;

	wr64(img + 40, IMAGE_SIZE - 64);   /* e_shoff: last 64 bytes */
	wr16(img + 58, 64);                /* e_shentsize */
	wr16(img + 60, 1);                 /* e_shnum */
	CHECK_EQ(elf64_check(img, IMAGE_SIZE, &kernel_policy, &info, &why), 0);
	wr16(img + 60, 2);                 /* now one entry past the end */
	CHECK_EQ(elf64_check(img, IMAGE_SIZE, &kernel_policy, &info, &why),
		 ELF64_ERR_TRUNCATED);
	CHECK(strstr(why, "truncated") != NULL);
	wr16(img + 60, 1);
	wr16(img + 58, 40);                /* bad entry size */
	CHECK_EQ(elf64_check(img, IMAGE_SIZE, &kernel_policy, &info, &why),
		 ELF64_ERR_HEADER);
	free(img);
}
