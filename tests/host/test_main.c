/* Runs every registered host test; see test.h. */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

static struct test_case *tests, **tests_tail = &tests;
static jmp_buf test_abort;
static char test_reason[512];

jmp_buf *test_panic_jmp;
char test_panic_msg[256];

void test_register(struct test_case *tc)
{
	/* Keep file order: constructors run in definition order. */
	*tests_tail = tc;
	tests_tail = &tc->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(test_reason, sizeof(test_reason), "%s:%d: ", file, line);

	va_start(ap, fmt);
	vsnprintf(test_reason + n, sizeof(test_reason) - (size_t)n, fmt, ap);
	va_end(ap);
	longjmp(test_abort, 1);
}

int main(int argc, char **argv)
{
	/* volatile: both live across the longjmp back from a failed test. */
	volatile int failed = 0, passed = 0;

	for (struct test_case *volatile tc = tests; tc; tc = tc->next) {
		if (argc > 1 && strcmp(argv[1], tc->group) != 0)
			continue;
		if (setjmp(test_abort) == 0) {
			tc->fn();
			printf("ok %s.%s\n", tc->group, tc->name);
			passed++;
		} else {
			printf("FAIL %s.%s: %s\n", tc->group, tc->name, test_reason);
			failed++;
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
