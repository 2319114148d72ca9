/*
 * msh's commands (docs/init.md#msh).  Each returns its exit status: 0 for
 * success, 1 for a failure, 2 for bad arguments, 127 for an unknown
 * command; `status` and `$?` show the last one.
 */
#include <stdlib.h>
#include <string.h>

#include <libmantra/ns.h>

#include <idl/init.h>
#include <idl/log.h>

#include "msh.h"

#define MSH_LOG_DEFAULT 20      /* records `log` shows */

struct msh_cmd {
	const char *name;
	const char *usage;      /* its arguments */
	int min, max;           /* argument counts */
	int (*fn)(struct msh *sh, int argc, char **argv);
	const char *help;
};

static const struct msh_cmd msh_cmds[];

/* A handle to the service `name` from our namespace, or a message. */
static bool msh_service(struct msh *sh, const char *name, mt_handle_t *out)
{
	mt_status_t st = mt_ns_lookup(sh->term.buf, name, out);

	if (st < 0)
		fprintf(sh->term.out, "msh: no '%s' service: %s\n", name,
			mt_status_str(st));
	return st >= 0;
}

static int cmd_help(struct msh *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (const struct msh_cmd *c = msh_cmds; c->name; c++)
		fprintf(sh->term.out, "  %-8s %-18s %s\n", c->name, c->usage, c->help);
	fprintf(sh->term.out, "  keys: Backspace, Ctrl-U, Ctrl-C, Left/Right, "
		"Up/Down (history); $? is the last status\n");
	return 0;
}

static int cmd_echo(struct msh *sh, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		fprintf(sh->term.out, "%s%s", argv[i], i + 1 < argc ? " " : "");
	fputs("\n", sh->term.out);
	return 0;
}

static int cmd_status(struct msh *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(sh->term.out, "%d\n", sh->status);
	return 0;
}

static int cmd_exit(struct msh *sh, int argc, char **argv)
{
	sh->quit = true;
	return argc > 1 ? atoi(argv[1]) : sh->status;
}

/* One line of `ps`/`services` for the service `name`. */
static void msh_service_line(struct msh *sh, mt_handle_t init, const char *name,
			     bool wide)
{
	static const char *const states[] = {
		"stopped", "starting", "running", "backoff", "failed",
	};
	struct init_status_out s;

	if (init_status(init, sh->term.buf, name, &s) < 0)
		return;
	if (!wide) {
		fprintf(sh->term.out, "%-16s %s\n", name, states[s.status.state]);
		return;
	}
	fprintf(sh->term.out, "%-16s %-9s %6llu %8u %9lld\n", name,
		states[s.status.state], (unsigned long long)s.status.koid,
		s.status.restarts, (long long)s.status.exit_code);
}

/* The services of init's manifest, one line each. */
static int msh_list_services(struct msh *sh, bool wide)
{
	struct init_list_out l;
	mt_handle_t init;

	if (!msh_service(sh, "init", &init))
		return 1;
	if (wide)
		fprintf(sh->term.out, "%-16s %-9s %6s %8s %9s\n", "SERVICE", "STATE",
			"KOID", "RESTARTS", "LAST-EXIT");
	for (uint32_t i = 0; init_list(init, sh->term.buf, i, &l) >= 0; i++)
		msh_service_line(sh, init, l.name, wide);
	mt_handle_drop(init);
	return 0;
}

static int cmd_services(struct msh *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return msh_list_services(sh, false);
}

static int cmd_ps(struct msh *sh, int argc, char **argv)
{
	struct mt_kernel_stats k;
	int st = msh_list_services(sh, true);

	(void)argc;
	(void)argv;
	if (mt_debug_stats(mt_startup()->debuglog, &k) >= 0)
		fprintf(sh->term.out, "kernel: %llu processes, %llu threads\n",
			(unsigned long long)k.live_processes,
			(unsigned long long)k.live_threads);
	return st;
}

/* start, stop, restart and kill NAME: one init call each. */
static int cmd_control(struct msh *sh, int argc, char **argv)
{
	mt_handle_t init;
	mt_status_t st;

	(void)argc;
	if (!msh_service(sh, "init", &init))
		return 1;
	if (strcmp(argv[0], "start") == 0)
		st = init_start(init, sh->term.buf, argv[1]);
	else if (strcmp(argv[0], "stop") == 0)
		st = init_stop(init, sh->term.buf, argv[1]);
	else if (strcmp(argv[0], "restart") == 0)
		st = init_restart(init, sh->term.buf, argv[1]);
	else
		st = init_kill(init, sh->term.buf, argv[1]);
	mt_handle_drop(init);
	if (st < 0) {
		fprintf(sh->term.out, "%s: %s: %s\n", argv[0], argv[1],
			st == MT_ERR_NOT_FOUND ? "no such service" : mt_status_str(st));
		return 1;
	}
	return 0;
}

static int cmd_mem(struct msh *sh, int argc, char **argv)
{
	struct mt_kernel_stats k;
	mt_status_t st = mt_debug_stats(mt_startup()->debuglog, &k);

	(void)argc;
	(void)argv;
	if (st < 0) {
		fprintf(sh->term.out, "mem: %s\n", mt_status_str(st));
		return 1;
	}
	fprintf(sh->term.out,
		"frames: %llu free of %llu (%llu KiB free)\n"
		"kernel: %llu objects, %llu capabilities, %llu heap bytes\n",
		(unsigned long long)k.free_frames, (unsigned long long)k.total_frames,
		(unsigned long long)(k.free_frames * 4),
		(unsigned long long)k.live_objects, (unsigned long long)k.live_caps,
		(unsigned long long)k.heap_bytes);
	return 0;
}

static int cmd_log(struct msh *sh, int argc, char **argv)
{
	static const char *const levels[] = { "trace", "debug", "info", "warn", "error" };
	uint64_t want = argc > 1 ? strtoull(argv[1], NULL, 10) : MSH_LOG_DEFAULT;
	struct log_read_out r;
	struct log_dropped_out d;
	uint64_t end = 0;
	mt_handle_t log;

	if (want == 0) {
		fprintf(sh->term.out, "usage: log [N]\n");
		return 2;
	}
	if (!msh_service(sh, "log", &log))
		return 1;
	while (log_read(log, sh->term.buf, end, &r) >= 0)
		end = r.next;
	for (uint64_t at = end > want ? end - want : 0;
	     log_read(log, sh->term.buf, at, &r) >= 0; at = r.next)
		fprintf(sh->term.out, "%4llu %5llu.%03llu %-5s %s: %s\n",
			(unsigned long long)r.seq,
			(unsigned long long)(r.time / 1000000000),
			(unsigned long long)(r.time / 1000000 % 1000),
			levels[r.level], r.component, r.message);
	if (log_dropped(log, sh->term.buf, &d) >= 0 && d.count)
		fprintf(sh->term.out, "(%llu older records dropped)\n",
			(unsigned long long)d.count);
	mt_handle_drop(log);
	return 0;
}

/* Spawn a program of the boot archive (bin/NAME unless a path) with the
 * remaining words as its arguments and no namespace; wait for it. */
static int cmd_run(struct msh *sh, int argc, char **argv)
{
	char path[64], args[MT_SPAWN_ARGS_MAX] = "";
	struct mt_spawn_result res;
	struct mt_task_result r = { 0 };
	mt_signals_t seen;
	mt_status_t st;

	snprintf(path, sizeof(path), "%s%s", strchr(argv[1], '/') ? "" : "bin/",
		 argv[1]);
	for (int i = 2; i < argc; i++)
		if (strlcat(args, argv[i], sizeof(args)) >= sizeof(args) ||
		    (i + 1 < argc && strlcat(args, " ", sizeof(args)) >= sizeof(args)))
			return 2;
	const struct mt_startup *self = mt_startup();
	struct bootfs_file file;
	st = mt_bootfs_file(path, &file);
	if (st >= 0) {
		struct mt_spawn_args sa = {
			.name = argv[1], .image = file.data, .image_size = file.size,
			.bootfs = self->bootfs, .bootfs_size = self->bootfs_size,
			.debuglog = self->debuglog, .args = args[0] ? args : NULL,
		};
		if (strlen(sa.name) > MT_NAME_MAX)
			sa.name = "program";
		st = mt_spawn(&sa, &res);
	}
	if (st < 0) {
		fprintf(sh->term.out, "run: %s: %s\n", path,
			st == MT_ERR_NOT_FOUND ? "no such program" : mt_status_str(st));
		return 127;
	}
	fflush(sh->term.out);
	(void)mt_object_wait_one(res.process, MT_SIGNAL_TERMINATED,
				 MT_TIME_INFINITE, &seen);
	(void)mt_task_result(res.process, &r);
	mt_spawn_release(&res);
	if (r.state == MT_TASK_EXITED) {
		fprintf(sh->term.out, "run: %s exited with status %lld\n", argv[1],
			(long long)r.exit_code);
		return (int)(r.exit_code & 0xff);
	}
	fprintf(sh->term.out, "run: %s %s (fault %u at %#llx)\n", argv[1],
		r.state == MT_TASK_FAULTED ? "faulted" : "was killed", r.fault,
		(unsigned long long)r.fault_addr);
	return 128 + (int)r.fault;
}

static const struct msh_cmd msh_cmds[] = {
	{ "help", "", 0, 0, cmd_help, "this list" },
	{ "echo", "[WORDS]", 0, MSH_ARGS_MAX, cmd_echo, "print the words" },
	{ "status", "", 0, 0, cmd_status, "the last command's exit status" },
	{ "ps", "", 0, 0, cmd_ps, "services with their processes; kernel counts" },
	{ "services", "", 0, 0, cmd_services, "services and their states" },
	{ "start", "NAME", 1, 1, cmd_control, "start a stopped or failed service" },
	{ "stop", "NAME", 1, 1, cmd_control, "stop a service (no restart)" },
	{ "restart", "NAME", 1, 1, cmd_control, "stop and start a service" },
	{ "kill", "NAME", 1, 1, cmd_control, "kill a service's process (as a crash)" },
	{ "mem", "", 0, 0, cmd_mem, "memory and kernel object counts" },
	{ "log", "[N]", 0, 1, cmd_log, "the last N log records (20)" },
	{ "run", "PROGRAM [ARGS]", 1, MSH_ARGS_MAX, cmd_run, "run a program and wait" },
	{ "exit", "[STATUS]", 0, 1, cmd_exit, "leave the shell" },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

/* Split a line into words, "$?" standing for the last status. */
static int msh_split(struct msh *sh, char *line, char **argv, char *status)
{
	char *save = NULL;
	int argc = 0;

	snprintf(status, 12, "%d", sh->status);
	for (char *w = strtok_r(line, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (argc == MSH_ARGS_MAX + 1)
			return -1;
		argv[argc++] = strcmp(w, "$?") == 0 ? status : w;
	}
	argv[argc] = NULL;
	return argc;
}

void msh_run_line(struct msh *sh, char *line)
{
	char *argv[MSH_ARGS_MAX + 2];
	char status[12];
	int argc = msh_split(sh, line, argv, status);
	const struct msh_cmd *c;

	if (argc == 0)
		return;
	if (argc < 0) {
		fprintf(sh->term.out, "msh: more than %d arguments\n", MSH_ARGS_MAX);
		sh->status = 2;
		return;
	}
	for (c = msh_cmds; c->name && strcmp(c->name, argv[0]) != 0; c++)
		;
	if (!c->name) {
		fprintf(sh->term.out, "msh: %s: unknown command (try help)\n", argv[0]);
		sh->status = 127;
		return;
	}
	if (argc - 1 < c->min || argc - 1 > c->max) {
		fprintf(sh->term.out, "usage: %s %s\n", c->name, c->usage);
		sh->status = 2;
		return;
	}
	sh->status = c->fn(sh, argc, argv);
}
