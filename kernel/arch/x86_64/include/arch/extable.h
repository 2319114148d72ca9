/*
 * Exception table: pairs (instruction, fixup).  A page fault or general
 * protection fault at `insn` in kernel mode resumes at `fixup` with
 * rax = -1 instead of panicking.  Used by memory probes now and by
 * copy-in/copy-out later.
 */
#ifndef ARCH_EXTABLE_H
#define ARCH_EXTABLE_H

#include <kernel/types.h>

struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
};

#endif /* ARCH_EXTABLE_H */
