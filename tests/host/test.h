/*
 * A very small unit-test framework for host tests of kernel generic code
 * and parsers.  Each test file is its own program (linked with test_main.c
 * and stubs.c); it prints one line per test, `ok GROUP.NAME` or
 * `FAIL GROUP.NAME: reason`, the same lines the in-guest suite prints.
 *
 *   TEST(pmm, alloc_free) { CHECK(x == 1); CHECK_EQ(a, b); }
 *
 * CHECK* stop the current test at the first failure.  EXPECT_PANIC(stmt)
 * passes if `stmt` calls the kernel's panic() (stubbed in stubs.c).
 */
#ifndef TEST_H
#define TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *group;
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* Set by stubs.c's panic() when a jump target is armed. */
extern jmp_buf *test_panic_jmp;
extern char test_panic_msg[256];

#define TEST(group, name)                                                   \
	static void test_fn_##group##_##name(void);                         \
	static struct test_case test_tc_##group##_##name = {                \
		#group, #name, test_fn_##group##_##name, 0 };               \
	__attribute__((constructor)) static void                            \
	test_reg_##group##_##name(void)                                     \
	{                                                                   \
		test_register(&test_tc_##group##_##name);                   \
	}                                                                   \
	static void test_fn_##group##_##name(void)

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond))                                                \
			test_fail(__FILE__, __LINE__, "%s", #cond);         \
	} while (0)

#define CHECK_EQ(a, b)                                                      \
	do {                                                                \
		long long _a = (long long)(a), _b = (long long)(b);         \
		if (_a != _b)                                               \
			test_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", \
				  #a, #b, _a, _b);                          \
	} while (0)

#define CHECK_STR(a, b)                                                     \
	do {                                                                \
		const char *_a = (a), *_b = (b);                            \
		if (strcmp(_a, _b) != 0)                                    \
			test_fail(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", \
				  #a, #b, _a, _b);                          \
	} while (0)

#define EXPECT_PANIC(stmt)                                                  \
	do {                                                                \
		jmp_buf _jb;                                                \
		test_panic_msg[0] = 0;                                      \
		if (setjmp(_jb) == 0) {                                     \
			test_panic_jmp = &_jb;                              \
			stmt;                                               \
			test_panic_jmp = 0;                                 \
			test_fail(__FILE__, __LINE__,                       \
				  "expected a panic from %s", #stmt);       \
		}                                                           \
		test_panic_jmp = 0;                                         \
	} while (0)

#endif /* TEST_H */
