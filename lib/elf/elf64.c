/*
 * ELF64 validation (see elf64.h).  Headers are decoded byte by byte into
 * local structures, so the image may be unaligned and nothing is read
 * before its bounds are known.  Bounds are checked as `len <= size - off`
 * after `off <= size`, which cannot overflow.
 */
#include <elf/elf64.h>
#include <support/why.h>

static uint16_t elf64_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t elf64_rd32(const uint8_t *p)
{
	return elf64_rd16(p) | (uint32_t)elf64_rd16(p + 2) << 16;
}

static uint64_t elf64_rd64(const uint8_t *p)
{
	return elf64_rd32(p) | (uint64_t)elf64_rd32(p + 4) << 32;
}

#define ELF64_RD(p, type, field)                                            \
	_Generic(((struct type *)0)->field,                                 \
		 uint16_t: elf64_rd16,                                      \
		 uint32_t: elf64_rd32,                                      \
		 uint64_t: elf64_rd64)((p) + __builtin_offsetof(struct type, field))

/* Decode the ELF header at p (64 bytes available). */
static void elf64_read_ehdr(const uint8_t *p, struct elf64_ehdr *h)
{
	for (int i = 0; i < ELF64_EI_NIDENT; i++)
		h->e_ident[i] = p[i];
	h->e_type = ELF64_RD(p, elf64_ehdr, e_type);
	h->e_machine = ELF64_RD(p, elf64_ehdr, e_machine);
	h->e_version = ELF64_RD(p, elf64_ehdr, e_version);
	h->e_entry = ELF64_RD(p, elf64_ehdr, e_entry);
	h->e_phoff = ELF64_RD(p, elf64_ehdr, e_phoff);
	h->e_ehsize = ELF64_RD(p, elf64_ehdr, e_ehsize);
	h->e_phentsize = ELF64_RD(p, elf64_ehdr, e_phentsize);
	h->e_phnum = ELF64_RD(p, elf64_ehdr, e_phnum);
	h->e_shoff = ELF64_RD(p, elf64_ehdr, e_shoff);
	h->e_shentsize = ELF64_RD(p, elf64_ehdr, e_shentsize);
	h->e_shnum = ELF64_RD(p, elf64_ehdr, e_shnum);
}

/* Decode program header i of a validated table. */
static void elf64_read_phdr(const uint8_t *image, uint64_t phoff, size_t i,
			    struct elf64_phdr *ph)
{
	const uint8_t *p = image + phoff + i * sizeof(struct elf64_phdr);

	ph->p_type = ELF64_RD(p, elf64_phdr, p_type);
	ph->p_flags = ELF64_RD(p, elf64_phdr, p_flags);
	ph->p_offset = ELF64_RD(p, elf64_phdr, p_offset);
	ph->p_vaddr = ELF64_RD(p, elf64_phdr, p_vaddr);
	ph->p_filesz = ELF64_RD(p, elf64_phdr, p_filesz);
	ph->p_memsz = ELF64_RD(p, elf64_phdr, p_memsz);
	ph->p_align = ELF64_RD(p, elf64_phdr, p_align);
}

/* Store "segment <index> <what>" (or just `what` when index < 0) in
 * out->why, point *why at it and return err. */
static int elf64_fail_at(struct elf64_info *out, int err, long index,
			 const char *what, const char **why)
{
	why_format(out->why, sizeof(out->why), index >= 0 ? "segment" : NULL,
		   (uint64_t)(index >= 0 ? index : 0), what);
	if (why)
		*why = out->why;
	return err;
}

static int elf64_fail(struct elf64_info *out, int err, const char *what,
		      const char **why)
{
	return elf64_fail_at(out, err, -1, what, why);
}

/* Check e_ident, type, machine and version (gABI "ELF Header"). */
static int elf64_check_ident(const struct elf64_ehdr *h,
			     const struct elf64_policy *pol,
			     struct elf64_info *out, const char **why)
{
	uint32_t type_bit;

	if (h->e_ident[0] != 0x7f || h->e_ident[1] != 'E' ||
	    h->e_ident[2] != 'L' || h->e_ident[3] != 'F')
		return elf64_fail(out, ELF64_ERR_MAGIC, "bad ELF magic", why);
	if (h->e_ident[ELF64_EI_CLASS] != ELF64_CLASS64)
		return elf64_fail(out, ELF64_ERR_CLASS, "not a 64-bit ELF", why);
	if (h->e_ident[ELF64_EI_DATA] != ELF64_DATA2LSB)
		return elf64_fail(out, ELF64_ERR_DATA, "not little-endian", why);
	if (h->e_ident[ELF64_EI_VERSION] != ELF64_EV_CURRENT ||
	    h->e_version != ELF64_EV_CURRENT)
		return elf64_fail(out, ELF64_ERR_VERSION,
				  "unsupported ELF version", why);
	type_bit = h->e_type == ELF64_ET_EXEC ? ELF64_ALLOW_EXEC :
		   h->e_type == ELF64_ET_DYN ? ELF64_ALLOW_DYN : 0;
	if (!(type_bit & pol->allowed_types))
		return elf64_fail(out, ELF64_ERR_TYPE,
				  "ELF type not allowed", why);
	if (h->e_machine != pol->machine)
		return elf64_fail(out, ELF64_ERR_MACHINE, "wrong machine", why);
	return 0;
}

/* Check the header sizes and that the program header table is in the
 * file, after the ELF header. */
static int elf64_check_table(const struct elf64_ehdr *h, size_t size,
			     struct elf64_info *out, const char **why)
{
	if (h->e_ehsize != sizeof(struct elf64_ehdr))
		return elf64_fail(out, ELF64_ERR_HEADER, "bad ELF header size", why);
	if (h->e_phentsize != sizeof(struct elf64_phdr))
		return elf64_fail(out, ELF64_ERR_HEADER,
				  "bad program header entry size", why);
	if (h->e_phnum == 0)
		return elf64_fail(out, ELF64_ERR_NO_LOAD,
				  "no program headers", why);
	if (h->e_phnum > ELF64_PHNUM_MAX)
		return elf64_fail(out, ELF64_ERR_HEADER,
				  "too many program headers", why);
	if (h->e_phoff < sizeof(struct elf64_ehdr))
		return elf64_fail(out, ELF64_ERR_HEADER,
				  "program headers overlap the ELF header", why);
	if (h->e_phoff > size ||
	    (uint64_t)h->e_phnum * sizeof(struct elf64_phdr) > size - h->e_phoff)
		return elf64_fail(out, ELF64_ERR_TRUNCATED,
				  "truncated program header table", why);
	/* The section header table is usually at the very end of the file,
	 * so checking it catches a file cut short anywhere after the
	 * loadable data too. */
	if (h->e_shnum && h->e_shentsize != 64)
		return elf64_fail(out, ELF64_ERR_HEADER,
				  "bad section header entry size", why);
	if (h->e_shnum && (h->e_shoff > size ||
			   (uint64_t)h->e_shnum * 64 > size - h->e_shoff))
		return elf64_fail(out, ELF64_ERR_TRUNCATED,
				  "truncated: section header table past the end of the file", why);
	return 0;
}

static bool elf64_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Check one PT_LOAD (program header i) on its own: in the file, sizes,
 * address range, window, alignment, W^X. */
static int elf64_check_load(const struct elf64_phdr *ph, long i, size_t size,
			    const struct elf64_policy *pol,
			    struct elf64_info *out, const char **why)
{
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return elf64_fail_at(out, ELF64_ERR_SEGMENT, i,
				     "data outside the file", why);
	if (ph->p_filesz > ph->p_memsz)
		return elf64_fail_at(out, ELF64_ERR_SEGMENT, i,
				     "file size exceeds memory size", why);
	if (ph->p_memsz == 0)
		return elf64_fail_at(out, ELF64_ERR_SEGMENT, i, "is empty", why);
	if (ph->p_memsz > UINT64_MAX - ph->p_vaddr)
		return elf64_fail_at(out, ELF64_ERR_SEGMENT, i,
				     "address range overflows", why);
	if (pol->use_window &&
	    (ph->p_vaddr < pol->vaddr_min || ph->p_vaddr > pol->vaddr_max ||
	     ph->p_memsz > pol->vaddr_max - ph->p_vaddr))
		return elf64_fail_at(out, ELF64_ERR_WINDOW, i,
				     "outside the allowed address window", why);
	/* gABI: p_align 0 and 1 mean no alignment; otherwise a power of two
	 * with p_vaddr == p_offset modulo p_align. */
	if (ph->p_align > 1 && !elf64_is_pow2(ph->p_align))
		return elf64_fail_at(out, ELF64_ERR_ALIGN, i,
				     "alignment not a power of two", why);
	if (ph->p_align > 1 &&
	    (ph->p_vaddr ^ ph->p_offset) & (ph->p_align - 1))
		return elf64_fail_at(out, ELF64_ERR_ALIGN, i,
				     "offset and address not congruent", why);
	if ((ph->p_flags & ELF64_PF_W) && (ph->p_flags & ELF64_PF_X))
		return elf64_fail_at(out, ELF64_ERR_WX, i,
				     "is writable and executable", why);
	return 0;
}

/* Walk the program headers: check each PT_LOAD, their order, and record
 * the address range and whether the entry lies in an executable one. */
static int elf64_check_loads(const uint8_t *image, size_t size,
			     const struct elf64_ehdr *h,
			     const struct elf64_policy *pol,
			     struct elf64_info *out, const char **why)
{
	struct elf64_phdr ph;
	bool entry_ok = false;
	uint64_t prev_end = 0;
	size_t loads = 0;
	int err;

	for (long i = 0; i < h->e_phnum; i++) {
		elf64_read_phdr(image, h->e_phoff, (size_t)i, &ph);
		if (ph.p_type != ELF64_PT_LOAD)
			continue;
		err = elf64_check_load(&ph, i, size, pol, out, why);
		if (err)
			return err;
		if (loads && ph.p_vaddr < prev_end)
			return elf64_fail_at(out, ELF64_ERR_OVERLAP, i,
					     "overlaps or precedes the previous segment",
					     why);
		if (!loads)
			out->vaddr_lo = ph.p_vaddr;
		prev_end = ph.p_vaddr + ph.p_memsz;
		loads++;
		if ((ph.p_flags & ELF64_PF_X) && h->e_entry >= ph.p_vaddr &&
		    h->e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}
	if (!loads)
		return elf64_fail(out, ELF64_ERR_NO_LOAD, "no loadable segment", why);
	if (!entry_ok)
		return elf64_fail(out, ELF64_ERR_ENTRY,
				  "entry point not in an executable segment", why);
	out->vaddr_hi = prev_end;
	out->load_count = loads;
	return 0;
}

int elf64_check(const void *image, size_t size,
		const struct elf64_policy *policy, struct elf64_info *out,
		const char **why)
{
	struct elf64_ehdr h;
	int err;

	if (!out)
		return ELF64_ERR_INVAL;
	out->load_count = 0;
	out->image_size = 0;
	if (!image || !policy)
		return elf64_fail(out, ELF64_ERR_INVAL, "no image or policy", why);
	if (size < sizeof(struct elf64_ehdr))
		return elf64_fail(out, ELF64_ERR_TRUNCATED,
				  "truncated ELF header", why);
	elf64_read_ehdr(image, &h);
	err = elf64_check_ident(&h, policy, out, why);
	if (!err)
		err = elf64_check_table(&h, size, out, why);
	if (!err)
		err = elf64_check_loads(image, size, &h, policy, out, why);
	if (err) {
		out->load_count = 0;
		return err;
	}
	out->entry = h.e_entry;
	out->type = h.e_type;
	out->phoff = h.e_phoff;
	out->phnum = h.e_phnum;
	out->image_size = size;
	out->why[0] = '\0';
	return 0;
}

int elf64_segment(const struct elf64_info *info, const void *image,
		  size_t index, struct elf64_segment *seg)
{
	struct elf64_phdr ph;
	size_t n = 0;

	if (!info || !image || !seg || index >= info->load_count)
		return ELF64_ERR_INVAL;
	for (size_t i = 0; i < info->phnum; i++) {
		elf64_read_phdr(image, info->phoff, i, &ph);
		if (ph.p_type != ELF64_PT_LOAD || n++ != index)
			continue;
		seg->vaddr = ph.p_vaddr;
		seg->memsz = ph.p_memsz;
		seg->data = (const uint8_t *)image + ph.p_offset;
		seg->filesz = ph.p_filesz;
		seg->offset = ph.p_offset;
		seg->align = ph.p_align;
		seg->flags = ph.p_flags & (ELF64_PF_R | ELF64_PF_W | ELF64_PF_X);
		return 0;
	}
	return ELF64_ERR_INVAL;
}
