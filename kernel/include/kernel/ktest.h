/*
 * In-kernel self-tests, run when the boot configuration says
 * `selftest=all` (or a list of groups).  Each prints `ok GROUP.NAME` or
 * `FAIL GROUP.NAME: reason`; the runner then exits QEMU with the result.
 *
 *   KTEST(pmm, alloc_free) { KT_CHECK(pmm_alloc_page() != 0); }
 *
 * Tests are collected from the .ktests section by the linker.  A failing
 * KT_CHECK ends its test; a kernel crash ends the run (the host runner
 * reports the missing results).
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <kernel/types.h>

struct ktest_ctx {
	bool failed;
};

struct ktest {
	const char *group;
	const char *name;
	void (*fn)(struct ktest_ctx *kt);
};

#define KTEST(group, name)                                                  \
	static void ktest_fn_##group##_##name(struct ktest_ctx *kt);        \
	static const struct ktest ktest_##group##_##name                    \
		__attribute__((section(".ktests"), used, aligned(8))) = {   \
		#group, #name, ktest_fn_##group##_##name };                 \
	static void ktest_fn_##group##_##name(struct ktest_ctx *kt)

__printf(4, 5) void ktest_fail(struct ktest_ctx *kt, const char *file,
			       int line, const char *fmt, ...);

#define KT_CHECK(cond)                                                      \
	do {                                                                \
		if (!(cond)) {                                              \
			ktest_fail(kt, __FILE__, __LINE__, "%s", #cond);    \
			return;                                             \
		}                                                           \
	} while (0)

#define KT_CHECK_EQ(a, b)                                                   \
	do {                                                                \
		unsigned long long _a = (unsigned long long)(a);            \
		unsigned long long _b = (unsigned long long)(b);            \
		if (_a != _b) {                                             \
			ktest_fail(kt, __FILE__, __LINE__,                  \
				   "%s == %s (%#llx != %#llx)", #a, #b, _a, _b); \
			return;                                             \
		}                                                           \
	} while (0)

struct aspace;
/* For tests of SMEP/SMAP: a fresh user address space, made current, with
 * one page at *va mapped `prot` (MT_PROT_*) whose page-table entry is
 * already present, its first byte `first`.  Release it with
 * ktest_user_page_free (which makes the kernel's tables current again).
 * Panics if memory runs out. */
struct aspace *ktest_user_page(uint32_t prot, uint8_t first, vaddr_t *va);
void ktest_user_page_free(struct aspace *as);

/* Run the tests whose group is in `groups` ("all" for every one); returns
 * the number that failed. */
int ktest_run(const char *groups);

#endif /* KERNEL_KTEST_H */
