/*
 * log.*: MantraLogd (servers/logd) run as a child with a small ring,
 * publishing `log` in a fake namespace: records written and read back,
 * the ring dropping (and counting) its oldest records, and writes with a
 * bad level or component refused.
 */
#include "services.h"

#include <stdio.h>
#include <string.h>

#include <idl/log.h>

struct log_fix {
	struct gt_fake f;
	struct mt_spawn_result logd;
	mt_handle_t log;
};

/* logd with `args` (ring=N; its own start record is seq 0).  Without
 * `console` the fake offers none, so logd's sink is the debug log: a
 * console sink would call back into this test while it waits on logd. */
static void log_fix_start(struct log_fix *x, const char *args, bool console)
{
	gt_fake_init(&x->f);
	if (!console) {
		mt_handle_drop(x->f.names[0].h);
		x->f.nnames = 0;
	}
	gt_fake_spawn(&x->f, "bin/logd", "logd", args, &x->logd);
	gt_fake_serve(&x->f, "log", MT_HANDLE_INVALID, 3000);
	x->log = gt_fake_find(&x->f, "log");
}

static void log_fix_stop(struct log_fix *x)
{
	gt_kill_wait(&x->logd);
	gt_fake_fini(&x->f);
}

GT_TEST(log, write_read)
{
	static struct log_fix x;
	struct log_write_out w;
	struct log_read_out r;
	mt_handle_t badged;

	log_fix_start(&x, "ring=8", false);
	GT_OK(log_read(x.log, x.f.buf, 0, &r));
	GT_CHECK_EQ(r.seq, 0);
	GT_CHECK(strcmp(r.component, "logd") == 0 && r.level == LOG_LEVEL_INFO);
	GT_CHECK(strstr(r.message, "sink debuglog") != NULL);
	GT_OK(mt_handle_badge(x.log, 77, &badged));
	GT_OK(log_write(badged, x.f.buf, LOG_LEVEL_WARN, "test/log", "hello", &w));
	GT_CHECK_EQ(w.seq, 1);
	GT_OK(log_read(badged, x.f.buf, r.next, &r));
	GT_CHECK_EQ(r.seq, 1);
	GT_CHECK_EQ(r.badge, 77);
	GT_CHECK_EQ(r.level, LOG_LEVEL_WARN);
	GT_CHECK(strcmp(r.component, "test/log") == 0 && strcmp(r.message, "hello") == 0);
	GT_CHECK(r.time > 0 && (mt_time_t)r.time <= mt_clock_get());
	GT_CHECK_EQ(r.next, 2);
	GT_ERR(log_read(x.log, x.f.buf, r.next, &r), MT_ERR_NOT_FOUND);
	mt_handle_drop(badged);
	log_fix_stop(&x);
}

GT_TEST(log, ring_wrap_drops_oldest)
{
	static struct log_fix x;
	struct log_write_out w;
	struct log_read_out r;
	struct log_dropped_out d;
	char msg[16];

	log_fix_start(&x, "ring=4", false);
	GT_OK(log_dropped(x.log, x.f.buf, &d));
	GT_CHECK_EQ(d.count, 0);
	for (int i = 1; i <= 6; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		GT_OK(log_write(x.log, x.f.buf, LOG_LEVEL_INFO, "t", msg, &w));
		GT_CHECK_EQ(w.seq, (uint64_t)i);
	}
	/* 7 records in a ring of 4: 0, 1 and 2 are gone. */
	GT_OK(log_dropped(x.log, x.f.buf, &d));
	GT_CHECK_EQ(d.count, 3);
	GT_OK(log_read(x.log, x.f.buf, 0, &r));
	GT_CHECK_EQ(r.seq, 3);
	GT_CHECK(strcmp(r.message, "m3") == 0);
	GT_OK(log_read(x.log, x.f.buf, 6, &r));
	GT_CHECK(strcmp(r.message, "m6") == 0);
	log_fix_stop(&x);
}

GT_TEST(log, bad_level_and_component_refused)
{
	static const char long_name[] = "a-component-name-longer-than-32-bytes";
	static struct log_fix x;
	struct log_write_in in = { .level = LOG_LEVEL_INFO, .component = "t",
				   .message = "m" };
	struct mt_ipc_msg m, rep;
	struct log_write_out w;
	struct log_dropped_out d;

	log_fix_start(&x, "ring=4", false);
	GT_ERR(log_write(x.log, x.f.buf, LOG_LEVEL_INFO, "", "m", &w),
	       MT_ERR_INVALID_ARGS);
	GT_ERR(log_write(x.log, x.f.buf, LOG_LEVEL_INFO, "a b", "m", &w),
	       MT_ERR_INVALID_ARGS);
	GT_ERR(log_write(x.log, x.f.buf, LOG_LEVEL_INFO, long_name, "m", &w),
	       MT_ERR_INVALID_ARGS);
	/* A level no stub would send: the dispatch refuses it. */
	GT_OK(log_write_in_encode(&in, x.f.buf, LOG_WRITE_LABEL, &m));
	m.w[0] = (m.w[0] & ~0xffull) | 9;
	GT_OK(mt_call(x.log, &m, &rep));
	GT_CHECK_EQ(MT_IPC_LABEL(rep.info), (uint32_t)MT_ERR_INVALID_ARGS);
	/* Nothing was recorded, and logd still serves. */
	GT_OK(log_write(x.log, x.f.buf, LOG_LEVEL_ERROR, "t", "ok", &w));
	GT_CHECK_EQ(w.seq, 1);
	GT_OK(log_dropped(x.log, x.f.buf, &d));
	log_fix_stop(&x);
}

GT_TEST(log, console_sink)
{
	static struct log_fix x;

	/* With a console in its namespace logd writes its records there:
	 * its start record comes before it publishes `log`. */
	log_fix_start(&x, "ring=4", true);
	if (!strstr(x.f.out, "info  logd: started: 4 records, sink console\n"))
		gt_fail("console got: %s", x.f.out);
	log_fix_stop(&x);
}
