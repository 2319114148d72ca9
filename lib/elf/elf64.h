/*
 * ELF64 image validation, shared by the UEFI boot loader (checking the
 * kernel before loading it) and the user-space program loader.
 *
 * Freestanding: only the compiler's headers.  The structures and
 * constants are defined here from the System V ABI (gABI "Object Files",
 * ELF-64 Object File Format 1.5) and the x86-64 psABI; <elf.h> is not used.
 *
 * elf64_check() validates everything a loader relies on; elf64_segment()
 * then hands out the PT_LOAD segments without further checks.  Segment
 * numbers in messages are program header indices (as readelf -l shows).
 */
#ifndef LIB_ELF64_H
#define LIB_ELF64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* e_ident (gABI "ELF Identification"). */
#define ELF64_EI_NIDENT   16
#define ELF64_EI_CLASS    4
#define ELF64_EI_DATA     5
#define ELF64_EI_VERSION  6
#define ELF64_CLASS64     2
#define ELF64_DATA2LSB    1
#define ELF64_EV_CURRENT  1

#define ELF64_ET_EXEC     2
#define ELF64_ET_DYN      3
#define ELF64_EM_X86_64   62

#define ELF64_PT_LOAD     1
#define ELF64_PF_X        0x1
#define ELF64_PF_W        0x2
#define ELF64_PF_R        0x4

/* A limit of this reader, not of ELF: real images have about a dozen. */
#define ELF64_PHNUM_MAX   64

struct elf64_ehdr {
	uint8_t e_ident[ELF64_EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(__builtin_offsetof(struct elf64_ehdr, e_entry) == 24,
	       "ELF64 header layout");
_Static_assert(__builtin_offsetof(struct elf64_ehdr, e_phoff) == 32,
	       "ELF64 header layout");
_Static_assert(__builtin_offsetof(struct elf64_ehdr, e_ehsize) == 52,
	       "ELF64 header layout");
_Static_assert(__builtin_offsetof(struct elf64_ehdr, e_phnum) == 56,
	       "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr layout");
_Static_assert(__builtin_offsetof(struct elf64_phdr, p_offset) == 8,
	       "ELF64 phdr layout");
_Static_assert(__builtin_offsetof(struct elf64_phdr, p_filesz) == 32,
	       "ELF64 phdr layout");
_Static_assert(__builtin_offsetof(struct elf64_phdr, p_align) == 48,
	       "ELF64 phdr layout");

enum elf64_err {
	ELF64_OK = 0,
	ELF64_ERR_INVAL = -1,      /* bad argument */
	ELF64_ERR_TRUNCATED = -2,  /* a header table past the end of the file */
	ELF64_ERR_MAGIC = -3,      /* not ELF */
	ELF64_ERR_CLASS = -4,      /* not ELFCLASS64 */
	ELF64_ERR_DATA = -5,       /* not little-endian */
	ELF64_ERR_VERSION = -6,    /* not EV_CURRENT */
	ELF64_ERR_TYPE = -7,       /* e_type not allowed by the policy */
	ELF64_ERR_MACHINE = -8,    /* e_machine not the policy's */
	ELF64_ERR_HEADER = -9,     /* e_ehsize, e_phentsize, e_phnum, e_phoff */
	ELF64_ERR_NO_LOAD = -10,   /* no PT_LOAD segment */
	ELF64_ERR_SEGMENT = -11,   /* segment bounds or sizes invalid */
	ELF64_ERR_WINDOW = -12,    /* segment outside the allowed addresses */
	ELF64_ERR_ALIGN = -13,     /* bad p_align or incongruent offset/vaddr */
	ELF64_ERR_OVERLAP = -14,   /* PT_LOADs unsorted or overlapping */
	ELF64_ERR_WX = -15,        /* segment writable and executable */
	ELF64_ERR_ENTRY = -16,     /* entry not in an executable segment */
};

/* What the caller accepts. */
#define ELF64_ALLOW_EXEC (1u << 0)
#define ELF64_ALLOW_DYN  (1u << 1)

struct elf64_policy {
	uint16_t machine;          /* required e_machine, e.g. ELF64_EM_X86_64 */
	uint32_t allowed_types;    /* ELF64_ALLOW_* */
	bool use_window;           /* if set, every PT_LOAD must lie in ... */
	uint64_t vaddr_min;        /* ... [vaddr_min, vaddr_max) */
	uint64_t vaddr_max;
};

/* Result of a successful elf64_check(); also carries its failure message. */
struct elf64_info {
	uint64_t entry;
	uint16_t type;             /* ELF64_ET_EXEC or ELF64_ET_DYN */
	size_t load_count;         /* number of PT_LOAD segments (>= 1) */
	uint64_t vaddr_lo;         /* lowest PT_LOAD vaddr */
	uint64_t vaddr_hi;         /* end (exclusive) of the highest PT_LOAD */
	uint64_t phoff;            /* program header table, validated */
	uint16_t phnum;
	size_t image_size;
	char why[64];              /* failure message storage */
};

/* One PT_LOAD segment, ready to load: copy filesz bytes from data to
 * vaddr, then zero up to memsz. */
struct elf64_segment {
	uint64_t vaddr;
	uint64_t memsz;
	const void *data;          /* inside the image */
	uint64_t filesz;
	uint64_t offset;           /* of data in the image */
	uint64_t align;
	uint32_t flags;            /* ELF64_PF_R/W/X */
};

/* Validate the ELF64 image in image[0..size) against policy.  Returns 0
 * and fills *out, or a negative ELF64_ERR_* with *why (if not NULL) set to
 * a message stored in out->why.  Reads only inside image[0..size); the
 * image may sit at any alignment. */
int elf64_check(const void *image, size_t size,
		const struct elf64_policy *policy, struct elf64_info *out,
		const char **why) __attribute__((warn_unused_result));

/* The index-th PT_LOAD (in program header order, which elf64_check()
 * guarantees is ascending vaddr) of an image that passed elf64_check()
 * with this info.  Returns 0 or ELF64_ERR_INVAL. */
int elf64_segment(const struct elf64_info *info, const void *image,
		  size_t index, struct elf64_segment *seg)
	__attribute__((warn_unused_result));

#endif /* LIB_ELF64_H */
