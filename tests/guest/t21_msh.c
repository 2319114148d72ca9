/*
 * msh.*: the shell (user/msh) driven through the fake console of
 * services.h: a script typed in (a few bytes per read, so escape
 * sequences arrive split), the output captured and searched.  The shell
 * ends when the script does (the console reports PEER_CLOSED).
 */
#include "services.h"

#include <stdio.h>
#include <string.h>

#include <idl/init.h>

/* Run msh on `script` with the fake `f` (already set up); the shell's
 * exit status is returned, its output is in f->out. */
static int64_t msh_script(struct gt_fake *f, const char *script)
{
	struct mt_spawn_result msh;
	struct mt_task_result r;

	f->input = script;
	f->input_len = strlen(script);
	f->input_pos = 0;
	gt_fake_spawn(f, "bin/msh", "msh", NULL, &msh);
	gt_fake_serve(f, NULL, msh.process, 4000);
	GT_OK(mt_task_result(msh.process, &r));
	if (r.state != MT_TASK_EXITED)
		gt_fail("msh did not exit: state %u fault %u; output: %s", r.state,
			r.fault, f->out);
	gt_helper_release(&msh);
	return r.exit_code;
}

/* `want` must (or must not) appear in the output. */
static void msh_expect(struct gt_fake *f, const char *want, bool present)
{
	if (!strstr(f->out, want) == present)
		gt_fail("output %s \"%s\": %s", present ? "lacks" : "has", want, f->out);
}

/* How often `want` appears in the output. */
static int msh_count(struct gt_fake *f, const char *want)
{
	int n = 0;

	for (const char *p = strstr(f->out, want); p; p = strstr(p + 1, want))
		n++;
	return n;
}

GT_TEST(msh, prompt_and_echo)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f, "echo hello   world\r\n"), 0);
	msh_expect(&f, "msh> ", true);
	msh_expect(&f, "msh> echo hello   world\r\nhello world\r\nmsh> ", true);
	gt_fake_fini(&f);
}

GT_TEST(msh, help)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f, "help\n"), 0);
	static const char *const cmds[] = {
		"help", "echo", "status", "ps", "services", "start", "stop",
		"restart", "kill", "mem", "log", "run", "exit",
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char line[32];

		snprintf(line, sizeof(line), "\n  %-8s ", cmds[i]);
		msh_expect(&f, line, true);
	}
	gt_fake_fini(&f);
}

GT_TEST(msh, unknown_command_and_status)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f, "frobnicate now\nstatus\necho $?\n"), 0);
	msh_expect(&f, "msh: frobnicate: unknown command (try help)\r\n", true);
	msh_expect(&f, "\r\n127\r\n", true);    /* status */
	msh_expect(&f, "\r\n0\r\n", true);      /* status itself succeeded */
	gt_fake_fini(&f);
}

GT_TEST(msh, bad_arguments)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f, "stop\nkill a b\nstatus\nexit 5\necho no\n"), 5);
	msh_expect(&f, "usage: stop NAME\r\n", true);
	msh_expect(&f, "usage: kill NAME\r\n", true);
	msh_expect(&f, "\r\n2\r\n", true);
	msh_expect(&f, "echo no", false);       /* exit ended the shell */
	gt_fake_fini(&f);
}

GT_TEST(msh, line_editing)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f,
		"echz\x7fo abc\r"                       /* backspace */
		"garbage\x15" "echo def\r"              /* Ctrl-U */
		"echo ac\x1b[Db\r"                      /* left, insert */
		"echo xy\x1b[D\x1b[D\x1b[Cz\r"          /* left, left, right */
		"echo no\x03"                           /* Ctrl-C */
		"echo yes\r"), 0);
	msh_expect(&f, "\r\nabc\r\n", true);
	msh_expect(&f, "\r\ndef\r\n", true);
	msh_expect(&f, "\r\nabc\r\n", true);
	msh_expect(&f, "\r\nxzy\r\n", true);
	msh_expect(&f, "^C\r\n", true);
	msh_expect(&f, "\r\nno\r\n", false);
	msh_expect(&f, "\r\nyes\r\n", true);
	msh_expect(&f, "garbage: unknown", false);
	gt_fake_fini(&f);
}

GT_TEST(msh, history)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f,
		"echo one\r\x1b[A\r"                    /* up: again */
		"echo a1\recho a2\r\x1b[A\x1b[A\x1b[B\r" /* up, up, down: a2 */
		"\x1b[A\x1b[B\x1b[Becho fresh\r"), 0);  /* down past the end */
	GT_CHECK_EQ(msh_count(&f, "\r\none\r\n"), 2);
	GT_CHECK_EQ(msh_count(&f, "\r\na1\r\n"), 1);
	GT_CHECK_EQ(msh_count(&f, "\r\na2\r\n"), 2);
	msh_expect(&f, "\r\nfresh\r\n", true);
	gt_fake_fini(&f);
}

GT_TEST(msh, run_and_exit_status)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f, "run testsvc mode=exit code=7\necho $?\n"
			       "run testsvc mode=crash\nstatus\n"
			       "run nothere\nstatus\n"), 0);
	msh_expect(&f, "run: testsvc exited with status 7\r\n", true);
	msh_expect(&f, "echo $?\r\n7\r\n", true);
	msh_expect(&f, "run: testsvc faulted (fault 1 at 0)\r\n", true);
	msh_expect(&f, "\r\n129\r\n", true);
	msh_expect(&f, "run: bin/nothere: no such program\r\n", true);
	msh_expect(&f, "\r\n127\r\n", true);
	gt_fake_fini(&f);
}

GT_TEST(msh, mem)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f, "mem\n"), 0);
	msh_expect(&f, "frames: ", true);
	msh_expect(&f, " objects, ", true);
	gt_fake_fini(&f);
}

GT_TEST_FULL(msh, services_and_control, MT_FAULT_NONE, 10000)
{
	static struct gt_fake f;
	struct mt_spawn_result init;
	mt_handle_t ctl;

	gt_fake_init(&f);
	ctl = gt_init_start(&f, "msh.manifest", &init);
	gt_init_wait(&f, ctl, "sleeper", INIT_STATE_RUNNING, 2000);
	GT_CHECK_EQ(msh_script(&f, "services\nps\nstop sleeper\nservices\n"
			       "start sleeper\nrestart sleeper\nkill sleeper\n"
			       "stop nothere\n"), 1);
	msh_expect(&f, "sleeper          running\r\n", true);
	msh_expect(&f, "SERVICE          STATE", true);
	msh_expect(&f, "kernel: ", true);
	msh_expect(&f, "sleeper          stopped\r\n", true);
	msh_expect(&f, "stop: nothere: no such service\r\n", true);
	/* The kill was a crash: init restarts it. */
	struct init_status s;
	do
		s = gt_init_wait(&f, ctl, "sleeper", INIT_STATE_RUNNING, 2000);
	while (s.restarts == 0);
	gt_init_stop(&f, ctl, &init);
	gt_fake_fini(&f);
}

GT_TEST_FULL(msh, log, MT_FAULT_NONE, 10000)
{
	static struct gt_fake f;
	struct mt_spawn_result logd;

	gt_fake_init(&f);
	gt_fake_spawn(&f, "bin/logd", "logd", "ring=16", &logd);
	gt_fake_serve(&f, "log", MT_HANDLE_INVALID, 3000);
	f.out_len = 0;          /* logd's own console output */
	GT_CHECK_EQ(msh_script(&f, "log\nlog 0\n"), 2);
	msh_expect(&f, "info  logd: started: 16 records", true);
	gt_kill_wait(&logd);
	gt_fake_fini(&f);
}

GT_TEST(msh, no_service)
{
	static struct gt_fake f;

	gt_fake_init(&f);
	GT_CHECK_EQ(msh_script(&f, "services\n"), 1);
	msh_expect(&f, "msh: no 'init' service: NOT_FOUND\r\n", true);
	gt_fake_fini(&f);
}
