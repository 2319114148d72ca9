/*
 * CPU feature checks and protection bits (Intel SDM vol. 3A 2.5, 4.6;
 * CPUID leaves per vol. 2A).  NX is required: without it W^X cannot be
 * enforced and the kernel refuses to boot.  SMEP and SMAP are turned on
 * when present; a CPU without them boots with a warning (QEMU's qemu64
 * model lacks both).
 */
#include <arch/x86.h>
#include <arch/cpu.h>
#include <kernel/log.h>
#include <kernel/panic.h>

struct cpu_features cpu_features;

extern uint8_t usercopy_stac[], usercopy_clac1[], usercopy_clac2[];

/* Without SMAP, STAC and CLAC are invalid opcodes: overwrite them with a
 * 3-byte NOP (0f 1f 00).  Runs while the loader's writable mapping of the
 * kernel text is still in place. */
static void usercopy_patch_out_smap(void)
{
	uint8_t *sites[] = { usercopy_stac, usercopy_clac1, usercopy_clac2 };

	for (size_t i = 0; i < ARRAY_SIZE(sites); i++) {
		sites[i][0] = 0x0f;
		sites[i][1] = 0x1f;
		sites[i][2] = 0x00;
	}
}

static void cpu_read_features(struct cpu_features *f)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	uint32_t max_leaf = r[0];
	cpuid(0x80000000, 0, r);
	uint32_t max_ext = r[0];
	if (max_leaf >= 7) {
		cpuid(7, 0, r);
		f->smep = r[1] & (1u << 7);
		f->smap = r[1] & (1u << 20);
		f->fsgsbase = r[1] & (1u << 0);
		f->umip = r[2] & (1u << 2);
	}
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		f->nx = r[3] & (1u << 20);
		f->gbpages = r[3] & (1u << 26);
	}
	cpuid(1, 0, r);
	f->apic = r[3] & (1u << 9);
}

/* Read CPUID and switch on NX, SMEP, SMAP and UMIP.  Runs before the kernel
 * page tables are built (they use NX bits). */
void cpu_init_features(void)
{
	struct cpu_features *f = &cpu_features;
	uint64_t cr4;

	cpu_read_features(f);
	if (!f->nx)
		panic("cpu: no NX (execute-disable) support; MantraCore needs it "
		      "for W^X (use a CPU model with NX, e.g. -cpu max)");
	if (!f->apic)
		panic("cpu: no local APIC");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	cr4 = read_cr4();
	if (f->smep)
		cr4 |= CR4_SMEP;
	if (f->smap)
		cr4 |= CR4_SMAP;
	if (f->umip)
		cr4 |= CR4_UMIP;
	write_cr4(cr4);
	if (!f->smap)
		usercopy_patch_out_smap();
	if (!f->smep || !f->smap)
		klog(LOG_WARN, "cpu: no %s%s%s: user-memory isolation is weaker on this CPU\n",
		     f->smep ? "" : "SMEP", !f->smep && !f->smap ? "/" : "",
		     f->smap ? "" : "SMAP");
	klog(LOG_INFO, "cpu: NX on, SMEP %s, SMAP %s, UMIP %s\n",
	     f->smep ? "on" : "absent", f->smap ? "on" : "absent",
	     f->umip ? "on" : "absent");
}

/* RDRAND (CPUID.01H:ECX bit 30; Intel SDM vol. 1, 7.3.17): it may run
 * dry for a moment, so retry as the SDM advises, ten times. */
static bool rdrand64(uint64_t *out)
{
	for (int i = 0; i < 10; i++) {
		uint8_t ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok) : : "cc");
		if (ok)
			return true;
	}
	return false;
}

/* splitmix64's finalizer: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t arch_random_seed(bool *hw)
{
	uint32_t r[4];
	uint64_t v = 0;

	cpuid(1, 0, r);
	*hw = (r[2] & (1u << 30)) && rdrand64(&v);
	if (*hw)
		return v;
	/* No generator: TSC readings around serializing CPUIDs, whose cost
	 * varies, folded together.  Guessable with effort; not a constant. */
	for (int i = 0; i < 16; i++) {
		cpuid(0, 0, r);
		v = mix64(v ^ rdtsc());
	}
	return v;
}

bool cpu_protection_active(struct cpu_protection *p)
{
	uint64_t cr4 = read_cr4();

	p->nx = rdmsr(MSR_EFER) & EFER_NXE;
	p->wp = read_cr0() & CR0_WP;
	p->smep = cr4 & CR4_SMEP;
	p->smap = cr4 & CR4_SMAP;
	return p->nx && p->wp && (p->smep || !cpu_features.smep) &&
	       (p->smap || !cpu_features.smap);
}
