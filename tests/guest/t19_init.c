/*
 * init.*: MantraInit (user/init, docs/init.md) run as a child on the test
 * manifest test/init.manifest, under a fake namespace where it publishes
 * its control endpoint; and its manifest parser, linked in directly.
 */
#include "services.h"

#include <string.h>

#include <idl/init.h>

#include "../../user/init/manifest.h"

/* ---- the parser ---- */

struct mf_log {
	uint32_t lines[16];
	uint32_t n;
};

static void mf_log_report(void *ctx, const char *file, uint32_t line,
			  const char *msg)
{
	struct mf_log *l = ctx;

	(void)msg;
	if (strcmp(file, "t.manifest") != 0)
		gt_note("reported file %s", file);
	if (l->n < 16)
		l->lines[l->n++] = line;
}

GT_TEST(init, manifest_parse_bad_lines)
{
	static const char text[] =
		"# comment\n"
		"\n"
		"service ok1 bin/x grant=log,init,ioport:0x3f8-0x3ff,irq:4 after=ok2 "
		"provides=p restart=always backoff=20ms,2s limit=4/30s -- a=1 b\n"
		"service ok2 bin/y   # trailing comment\n"
		"srvice typo bin/x\n"                       /* 5 */
		"service Bad bin/x\n"                       /* 6 */
		"service nobin\n"                           /* 7 */
		"service k bin/x frob=1\n"                  /* 8 */
		"service k2 bin/x restart=sometimes\n"      /* 9 */
		"service k3 bin/x backoff=2s,1s\n"          /* 10 */
		"service k4 bin/x limit=0/1s\n"             /* 11 */
		"service k5 bin/x grant=ioport:0x10-0x1\n"  /* 12 */
		"service k6 bin/x grant=irq:300\n"          /* 13 */
		"service ok2 bin/x\n";                      /* 14: twice */
	static const uint32_t want[] = { 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	static struct mf_manifest m;
	struct mf_log log = { 0 };
	const struct mf_service *s;

	GT_CHECK_EQ(mf_parse("t.manifest", text, sizeof(text) - 1, &m,
			     mf_log_report, &log), 2);
	GT_CHECK_EQ(m.errors, 10);
	GT_CHECK_EQ(log.n, 10);
	for (uint32_t i = 0; i < log.n; i++)
		if (log.lines[i] != want[i])
			gt_note("report %u at line %u, expected %u", i, log.lines[i], want[i]);
	gt_check_notes();
	s = &m.svc[0];
	GT_CHECK(strcmp(s->name, "ok1") == 0 && strcmp(s->binary, "bin/x") == 0);
	GT_CHECK(strcmp(s->args, "a=1 b") == 0);
	GT_CHECK_EQ(s->ngrants, 4);
	GT_CHECK(s->grants[2].kind == MF_GRANT_IOPORT && s->grants[2].lo == 0x3f8 &&
		 s->grants[2].hi == 0x3ff);
	GT_CHECK(s->grants[3].kind == MF_GRANT_IRQ && s->grants[3].lo == 4);
	GT_CHECK(mf_grants(s, "log") && mf_grants(s, "init") && !mf_grants(s, "irq:4"));
	GT_CHECK(mf_provides(s, "p") && s->nafter == 1);
	GT_CHECK(s->restart == MF_RESTART_ALWAYS && s->limit == 4);
	GT_CHECK_EQ(s->backoff_initial_ns, 20000000);
	GT_CHECK_EQ(s->backoff_max_ns, 2000000000);
	GT_CHECK_EQ(s->window_ns, 30000000000ull);
	GT_CHECK_EQ(s->line, 3);
	GT_CHECK(m.svc[1].restart == MF_RESTART_ON_FAILURE);
}

GT_TEST(init, manifest_dependency_order)
{
	static const char text[] =
		"service d bin/x after=c,b\n"
		"service c bin/x after=a\n"
		"service b bin/x after=a\n"
		"service a bin/x\n"
		"service x bin/x after=y\n"
		"service y bin/x after=x\n"
		"service u bin/x after=missing\n"
		"service v bin/x after=u\n";
	static struct mf_manifest m;
	uint32_t order[MF_SERVICES_MAX], pos[MF_SERVICES_MAX];
	bool bad[MF_SERVICES_MAX];
	struct mf_log log = { 0 };
	uint32_t n;

	GT_CHECK_EQ(mf_parse("t.manifest", text, sizeof(text) - 1, &m, NULL, NULL), 8);
	n = mf_order(&m, order, bad, "t.manifest", mf_log_report, &log);
	GT_CHECK_EQ(n, 4);
	for (uint32_t k = 0; k < n; k++)
		pos[order[k]] = k;
	GT_CHECK(pos[3] < pos[1] && pos[3] < pos[2]);       /* a before b, c */
	GT_CHECK(pos[1] < pos[0] && pos[2] < pos[0]);       /* c, b before d */
	GT_CHECK(bad[4] && bad[5] && bad[6] && bad[7]);
	GT_CHECK(!bad[0] && !bad[1] && !bad[2] && !bad[3]);
	GT_CHECK(log.n >= 4);
}

/* ---- init itself ---- */

struct init_fix {
	struct gt_fake f;
	struct mt_spawn_result init;
	mt_handle_t ctl;
};

static void init_fix_start(struct init_fix *x)
{
	gt_fake_init(&x->f);
	x->ctl = gt_init_start(&x->f, "init.manifest", &x->init);
}

static void init_fix_stop(struct init_fix *x)
{
	gt_init_stop(&x->f, x->ctl, &x->init);
	gt_fake_fini(&x->f);
}

GT_TEST_FULL(init, bad_lines_skipped, MT_FAULT_NONE, 10000)
{
	static const char *const want[] = {
		"a", "b", "n", "sleeper", "loop", "cyc1", "cyc2", "orphan",
		"look", "rogue", "hw",
	};
	static struct init_fix x;
	struct init_list_out l;
	uint32_t i;

	init_fix_start(&x);
	for (i = 0; init_list(x.ctl, x.f.buf, i, &l) >= 0; i++)
		if (i >= sizeof(want) / sizeof(want[0]) || strcmp(l.name, want[i]) != 0)
			gt_note("service %u is %s", i, l.name);
	GT_CHECK_EQ(i, sizeof(want) / sizeof(want[0]));
	GT_ERR(init_list(x.ctl, x.f.buf, i, &l), MT_ERR_NOT_FOUND);
	gt_check_notes();
	init_fix_stop(&x);
}

GT_TEST_FULL(init, dependency_order, MT_FAULT_NONE, 10000)
{
	static struct init_fix x;

	init_fix_start(&x);
	/* b looks up what a publishes 30 ms after its start: b must have
	 * waited for it (exit code 1: found). */
	gt_init_exit_code(&x.f, x.ctl, "b", 1);
	gt_init_wait(&x.f, x.ctl, "a", INIT_STATE_RUNNING, 1000);
	init_fix_stop(&x);
}

GT_TEST_FULL(init, dependency_errors_failed, MT_FAULT_NONE, 10000)
{
	static const char *const bad[] = { "cyc1", "cyc2", "orphan" };
	static struct init_fix x;
	struct init_status s;

	init_fix_start(&x);
	for (size_t i = 0; i < 3; i++) {
		s = gt_init_wait(&x.f, x.ctl, bad[i], INIT_STATE_FAILED, 1000);
		GT_CHECK_EQ(s.koid, 0);
		GT_ERR(init_start(x.ctl, x.f.buf, bad[i]), MT_ERR_BAD_STATE);
	}
	/* The rest still started. */
	gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_RUNNING, 2000);
	init_fix_stop(&x);
}

GT_TEST_FULL(init, never_not_restarted, MT_FAULT_NONE, 10000)
{
	static struct init_fix x;
	struct init_status s;

	init_fix_start(&x);
	gt_init_exit_code(&x.f, x.ctl, "n", 3);
	(void)mt_nanosleep(gt_deadline_ms(100));
	s = gt_init_wait(&x.f, x.ctl, "n", INIT_STATE_STOPPED, 10);
	GT_CHECK_EQ(s.restarts, 0);
	init_fix_stop(&x);
}

GT_TEST_FULL(init, crash_loop_backed_off_then_failed, MT_FAULT_NONE, 10000)
{
	static struct init_fix x;
	struct init_status s;
	mt_time_t t0 = mt_clock_get();

	init_fix_start(&x);
	/* Crashes at once every time: restarted after 10, 20 and 40 ms,
	 * then past its limit of 3 restarts it is given up on. */
	s = gt_init_wait(&x.f, x.ctl, "loop", INIT_STATE_FAILED, 5000);
	GT_CHECK_EQ(s.restarts, 3);
	GT_CHECK_EQ(s.koid, 0);
	GT_CHECK(s.since - (uint64_t)t0 >= 70ull * 1000000);   /* the back-off */
	(void)mt_nanosleep(gt_deadline_ms(100));
	s = gt_init_wait(&x.f, x.ctl, "loop", INIT_STATE_FAILED, 10);
	GT_CHECK_EQ(s.restarts, 3);
	/* start by hand forgives it: it runs (and crashes) again. */
	GT_OK(init_start(x.ctl, x.f.buf, "loop"));
	s = gt_init_wait(&x.f, x.ctl, "loop", INIT_STATE_FAILED, 5000);
	GT_CHECK_EQ(s.restarts, 6);
	init_fix_stop(&x);
}

GT_TEST_FULL(init, restart_after_crash, MT_FAULT_NONE, 10000)
{
	static struct init_fix x;
	struct init_status s1, s2;

	init_fix_start(&x);
	s1 = gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_RUNNING, 2000);
	GT_OK(init_kill(x.ctl, x.f.buf, "sleeper"));
	mt_time_t end = gt_deadline_ms(2000);
	do {
		s2 = gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_RUNNING, 2000);
	} while (s2.restarts == 0 && mt_clock_get() < end);
	GT_CHECK_EQ(s2.restarts, 1);
	GT_CHECK(s2.koid != 0 && s2.koid != s1.koid);
	GT_ERR(init_kill(x.ctl, x.f.buf, "n"), MT_ERR_BAD_STATE);
	init_fix_stop(&x);
}

GT_TEST_FULL(init, stop_start_restart, MT_FAULT_NONE, 10000)
{
	static struct init_fix x;
	struct init_status s1, s2;

	init_fix_start(&x);
	s1 = gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_RUNNING, 2000);
	GT_OK(init_stop(x.ctl, x.f.buf, "sleeper"));
	s2 = gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_STOPPED, 10);
	GT_CHECK_EQ(s2.koid, 0);
	(void)mt_nanosleep(gt_deadline_ms(60));     /* longer than its back-off */
	gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_STOPPED, 10);
	GT_OK(init_start(x.ctl, x.f.buf, "sleeper"));
	s2 = gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_RUNNING, 10);
	GT_CHECK(s2.koid != s1.koid);
	GT_ERR(init_start(x.ctl, x.f.buf, "sleeper"), MT_ERR_BAD_STATE);
	GT_OK(init_restart(x.ctl, x.f.buf, "sleeper"));
	s1 = gt_init_wait(&x.f, x.ctl, "sleeper", INIT_STATE_RUNNING, 10);
	GT_CHECK(s1.koid != s2.koid && s1.koid != 0);
	GT_CHECK_EQ(s1.restarts, 0);
	GT_ERR(init_stop(x.ctl, x.f.buf, "nope"), MT_ERR_NOT_FOUND);
	struct init_status_out so;
	GT_ERR(init_status(x.ctl, x.f.buf, "nope", &so), MT_ERR_NOT_FOUND);
	init_fix_stop(&x);
}
