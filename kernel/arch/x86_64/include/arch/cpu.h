/* What the CPU offers and which protections are on. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <kernel/types.h>

struct cpu_features {
	bool nx, smep, smap, umip, fsgsbase, gbpages, apic;
};
extern struct cpu_features cpu_features;

struct cpu_protection {
	bool nx, wp, smep, smap;
};

/* Fill *p from the control registers; true if every protection the CPU
 * supports is switched on. */
bool cpu_protection_active(struct cpu_protection *p);

#endif /* ARCH_CPU_H */
