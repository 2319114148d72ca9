/*
 * Fuzz lib/elf/elf64.c: elf64_check() on a hostile image under the
 * policies its three callers use, and, when an image passes, everything
 * the loaders then take on trust (boot/efi/main.c load_kernel,
 * kernel/core/userboot.c load_segments, lib/libmantra/spawn.c
 * spawn_load_image): every PT_LOAD from elf64_segment(), its bytes read,
 * and the promises of elf64.h checked one by one: data inside the file,
 * filesz <= memsz, no address overflow, inside the window, ascending
 * without overlap, alignment, W^X, the entry in an executable segment,
 * and the loaders' own page arithmetic staying in range.
 */
#include "fuzz.h"

#include <elf/elf64.h>
#include <mantra/types.h>

#include <stdbool.h>

/* boot/efi/main.c: the kernel is linked in the top 2 GiB. */
#define KERNEL_VMIN 0xffffffff80000000ULL
#define KERNEL_VMAX 0xfffffffffffff000ULL
#define PAGE        4096ULL

static const struct elf64_policy policies[] = {
	{       /* MantraBoot loading the kernel */
		.machine = ELF64_EM_X86_64, .allowed_types = ELF64_ALLOW_EXEC,
		.use_window = true, .vaddr_min = KERNEL_VMIN,
		.vaddr_max = KERNEL_VMAX,
	},
	{       /* the kernel starting init; mt_spawn */
		.machine = ELF64_EM_X86_64, .allowed_types = ELF64_ALLOW_EXEC,
		.use_window = true, .vaddr_min = MT_USER_BASE,
		.vaddr_max = MT_USER_TOP,
	},
	{       /* no window: the widest the reader allows */
		.machine = ELF64_EM_X86_64,
		.allowed_types = ELF64_ALLOW_EXEC | ELF64_ALLOW_DYN,
	},
};

static uint64_t rd_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* A failed check: a known error, a message in info->why, nothing loadable. */
static void check_failure(int err, const struct elf64_info *info,
			  const char *why, const void *image)
{
	struct elf64_segment seg;

	FUZZ_CHECK(err <= ELF64_ERR_TRUNCATED && err >= ELF64_ERR_ENTRY);
	FUZZ_CHECK(why == info->why);
	FUZZ_CHECK(memchr(info->why, 0, sizeof(info->why)) != NULL);
	FUZZ_CHECK(info->why[0] != '\0');
	FUZZ_CHECK(info->load_count == 0);
	FUZZ_CHECK(elf64_segment(info, image, 0, &seg) == ELF64_ERR_INVAL);
}

/* The program header table elf64_check() accepted, read independently:
 * how many PT_LOADs it really holds. */
static size_t count_loads(const uint8_t *image, size_t size,
			  const struct elf64_info *info)
{
	size_t loads = 0;

	FUZZ_CHECK(info->phnum >= 1 && info->phnum <= ELF64_PHNUM_MAX);
	FUZZ_CHECK(info->phoff >= sizeof(struct elf64_ehdr));
	FUZZ_CHECK(info->phoff <= size &&
		   (uint64_t)info->phnum * sizeof(struct elf64_phdr) <=
		   size - info->phoff);
	for (size_t i = 0; i < info->phnum; i++)
		if (rd_le(image + info->phoff + i * sizeof(struct elf64_phdr), 4) ==
		    ELF64_PT_LOAD)
			loads++;
	return loads;
}

/* One segment on its own: everything elf64_check_load() promises. */
static void check_segment(const uint8_t *image, size_t size,
			  const struct elf64_policy *pol,
			  const struct elf64_segment *seg)
{
	volatile uint8_t sink = 0;

	FUZZ_CHECK(seg->offset <= size && seg->filesz <= size - seg->offset);
	FUZZ_CHECK(seg->data == image + seg->offset);
	FUZZ_CHECK(fuzz_inside(image, size, seg->data, seg->filesz));
	FUZZ_CHECK(seg->filesz <= seg->memsz);
	FUZZ_CHECK(seg->memsz > 0);
	FUZZ_CHECK(seg->memsz <= UINT64_MAX - seg->vaddr);
	if (pol->use_window)
		FUZZ_CHECK(seg->vaddr >= pol->vaddr_min &&
			   seg->vaddr + seg->memsz <= pol->vaddr_max);
	if (seg->align > 1) {
		FUZZ_CHECK(is_pow2(seg->align));
		FUZZ_CHECK(((seg->vaddr ^ seg->offset) & (seg->align - 1)) == 0);
	}
	FUZZ_CHECK(!(seg->flags & ~(uint32_t)(ELF64_PF_R | ELF64_PF_W | ELF64_PF_X)));
	FUZZ_CHECK(!((seg->flags & ELF64_PF_W) && (seg->flags & ELF64_PF_X)));
	/* What every loader copies: its first and last bytes lie in the
	 * input (ASan), and so, with the check above, does all of it. */
	if (seg->filesz) {
		sink ^= ((const uint8_t *)seg->data)[0];
		sink ^= ((const uint8_t *)seg->data)[seg->filesz - 1];
	}
	(void)sink;
}

/* The loaders' page arithmetic for a windowed policy: rounding the
 * segment out to pages cannot wrap, the file bytes land inside the pages
 * (spawn_load_segment, load_segments), and inside MantraBoot's one block
 * [round_down(vaddr_lo), round_up(vaddr_hi)) (load_kernel). */
static void check_loader_math(const struct elf64_info *info,
			      const struct elf64_segment *seg)
{
	uint64_t lo = seg->vaddr & ~(PAGE - 1);
	uint64_t end = seg->vaddr + seg->memsz;
	uint64_t hi = (end + PAGE - 1) & ~(PAGE - 1);
	uint64_t kvirt = info->vaddr_lo & ~(PAGE - 1);
	uint64_t khi = (info->vaddr_hi + PAGE - 1) & ~(PAGE - 1);

	FUZZ_CHECK(hi >= end && hi > lo);
	FUZZ_CHECK(seg->vaddr - lo <= hi - lo &&
		   seg->memsz <= hi - lo - (seg->vaddr - lo));
	FUZZ_CHECK(khi >= info->vaddr_hi && khi > kvirt);
	FUZZ_CHECK(seg->vaddr >= kvirt && seg->vaddr - kvirt <= khi - kvirt &&
		   seg->memsz <= khi - kvirt - (seg->vaddr - kvirt));
}

/* Walk a validated image the way the loaders do. */
static void check_success(const uint8_t *image, size_t size,
			  const struct elf64_policy *pol,
			  const struct elf64_info *info)
{
	struct elf64_segment seg;
	uint64_t prev_end = 0;
	bool entry_ok = false;

	FUZZ_CHECK(info->image_size == size);
	FUZZ_CHECK(info->type == ELF64_ET_EXEC || info->type == ELF64_ET_DYN);
	FUZZ_CHECK((info->type == ELF64_ET_EXEC ? ELF64_ALLOW_EXEC : ELF64_ALLOW_DYN) &
		   pol->allowed_types);
	FUZZ_CHECK(info->load_count >= 1);
	FUZZ_CHECK(info->load_count == count_loads(image, size, info));
	for (size_t i = 0; i < info->load_count; i++) {
		FUZZ_CHECK(elf64_segment(info, image, i, &seg) == 0);
		check_segment(image, size, pol, &seg);
		if (i == 0)
			FUZZ_CHECK(seg.vaddr == info->vaddr_lo);
		else
			FUZZ_CHECK(seg.vaddr >= prev_end);
		prev_end = seg.vaddr + seg.memsz;
		if ((seg.flags & ELF64_PF_X) && info->entry >= seg.vaddr &&
		    info->entry - seg.vaddr < seg.memsz)
			entry_ok = true;
	}
	FUZZ_CHECK(prev_end == info->vaddr_hi);
	FUZZ_CHECK(info->vaddr_lo < info->vaddr_hi);
	FUZZ_CHECK(entry_ok);
	FUZZ_CHECK(elf64_segment(info, image, info->load_count, &seg) ==
		   ELF64_ERR_INVAL);
	if (pol->use_window)
		for (size_t i = 0; i < info->load_count; i++) {
			FUZZ_CHECK(elf64_segment(info, image, i, &seg) == 0);
			check_loader_math(info, &seg);
		}
}

/* Check image[0..size) under pol; returns elf64_check()'s result. */
static int check_image(const uint8_t *image, size_t size,
		       const struct elf64_policy *pol, struct elf64_info *info)
{
	const char *why = NULL;
	int err = elf64_check(image, size, pol, info, &why);

	if (err)
		check_failure(err, info, why, image);
	else
		check_success(image, size, pol, info);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf64_info info, moved;
	/* The image may sit at any alignment: the same verdict one byte
	 * further on (ASan still guards its end). */
	uint8_t *odd = malloc(size + 1);

	FUZZ_CHECK(odd != NULL);
	memcpy(odd + 1, data, size);
	for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		int err = check_image(data, size, &policies[p], &info);

		FUZZ_CHECK(check_image(odd + 1, size, &policies[p], &moved) == err);
		if (!err)
			FUZZ_CHECK(moved.entry == info.entry &&
				   moved.load_count == info.load_count &&
				   moved.vaddr_lo == info.vaddr_lo &&
				   moved.vaddr_hi == info.vaddr_hi);
	}
	free(odd);
	return 0;
}
