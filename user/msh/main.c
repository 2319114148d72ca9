/*
 * msh: reads command lines from the console in its namespace and runs
 * them (docs/init.md#msh).  Without a console it has nothing to talk
 * through and exits with status 1.
 *
 * Argument bench=1 (tools/bench.py): once its banner is written, before
 * the first prompt, log `BENCH boot_to_shell N insns`, N the monotonic time since
 * kernel entry in ns (the kernel's clock starts at entry); under QEMU's
 * -icount shift=0 one ns is one guest instruction.
 */
#include <string.h>

#include <libmantra/ns.h>

#include "msh.h"

/* How long to wait at start for the console to be published. */
#define MSH_CONSOLE_WAIT_MS 5000

/* stdio's write for the console: "\n" goes out as "\r\n". */
static ssize_t term_write(void *cookie, const char *data, size_t len)
{
	struct msh_term *t = cookie;
	struct console_write_out out;
	char chunk[CONSOLE_CHUNK_MAX];
	size_t n = 0, used = 0;

	while (used < len) {
		n = 0;
		while (used < len && n + 2 <= sizeof(chunk)) {
			if (data[used] == '\n')
				chunk[n++] = '\r';
			chunk[n++] = data[used++];
		}
		if (console_write(t->console, t->buf, (const uint8_t *)chunk,
				  (uint32_t)n, &out) < 0)
			return -1;
	}
	return (ssize_t)len;
}

int main(void)
{
	static struct msh sh;
	static const struct mt_stream_ops ops = { .write = term_write };
	mt_status_t st;
	bool bench;
	int n;

	st = mt_ipc_buffer_alloc(&sh.term.buf);
	if (st >= 0)
		st = mt_ns_lookup_wait(sh.term.buf, "console",
				       mt_clock_get() + MSH_CONSOLE_WAIT_MS * 1000000ll,
				       20, &sh.term.console);
	if (st < 0) {
		printf("msh: no console: %s\n", mt_status_str(st));
		return 1;
	}
	sh.term.out = fopencookie(&sh.term, "w", ops);
	if (!sh.term.out)
		return 1;
	setvbuf(sh.term.out, NULL, _IOFBF, 1024);
	fputs("MantraOS msh: type help\n", sh.term.out);
	bench = mt_startup_arg_u64("bench", 0) != 0;
	while (!sh.quit) {
		if (bench) {
			fflush(sh.term.out);     /* the banner is out */
			/* Under -icount the clock counts instructions, and
			 * idle time on top: take that off. */
			struct mt_kernel_stats ks = { 0 };
			(void)mt_debug_stats(mt_startup()->debuglog, &ks);
			mt_log("BENCH boot_to_shell %lld insns\n",
			       (long long)(mt_clock_get() - ks.idle_ns));
			bench = false;
		}
		n = msh_line_read(&sh.term, &sh.line);
		if (n == MSH_LINE_EOF)
			break;
		if (n == MSH_LINE_CANCEL) {
			sh.status = 130;
			continue;
		}
		msh_run_line(&sh, sh.line.text);
	}
	fflush(sh.term.out);
	return sh.status;
}
