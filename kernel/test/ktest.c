/* The in-kernel test runner (see kernel/ktest.h). */
#include <kernel/cmdline.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <string/string.h>

extern const struct ktest __ktests_start[], __ktests_end[];

static const struct ktest *current;

void ktest_fail(struct ktest_ctx *kt, const char *file, int line,
		const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	klog_raw("FAIL %s.%s: %s:%d: %s\n", current->group, current->name,
		 file, line, msg);
	kt->failed = true;
}

int ktest_run(const char *groups)
{
	int passed = 0, failed = 0;
	bool all = strcmp(groups, "all") == 0;

	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		struct ktest_ctx kt = { .failed = false };
		if (!all && !cmdline_list_has(groups, t->group))
			continue;
		current = t;
		t->fn(&kt);
		if (kt.failed) {
			failed++;
		} else {
			klog_raw("ok %s.%s\n", t->group, t->name);
			passed++;
		}
	}
	klog_raw("selftest: %d passed, %d failed\n", passed, failed);
	return failed;
}
