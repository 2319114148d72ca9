/*
 * msh, the command shell (docs/init.md#msh): a console (idl/console.idl)
 * from its namespace, a line editor with history, and commands over
 * init's control protocol, logd and the program loader.
 */
#ifndef MSH_MSH_H
#define MSH_MSH_H

#include <stdio.h>

#include <libmantra/ipc.h>

#include <idl/console.h>

#define MSH_PROMPT      "msh> "
#define MSH_LINE_MAX    255
#define MSH_HISTORY     16
#define MSH_ARGS_MAX    16

/* The console: input buffered from console_read, output through `out`
 * (a stdio stream whose writes go to console_write, "\n" as "\r\n"). */
struct msh_term {
	mt_handle_t console;
	struct mt_ipc_buffer *buf;
	uint8_t in[CONSOLE_CHUNK_MAX];
	uint32_t in_len, in_pos;
	bool last_cr;           /* "\r\n" is one Enter */
	FILE *out;
};

/* The line editor's state, with its history (oldest first). */
struct msh_line {
	char text[MSH_LINE_MAX + 1];
	size_t len, cur;
	char history[MSH_HISTORY][MSH_LINE_MAX + 1];
	uint32_t nhistory;
	uint32_t browse;        /* history index shown; nhistory: the new line */
	char draft[MSH_LINE_MAX + 1];   /* the new line while browsing */
};

/* What msh_line_read returns besides a line's length. */
#define MSH_LINE_EOF    (-1)    /* the console is closed */
#define MSH_LINE_CANCEL (-2)    /* Ctrl-C */

/* Read one edited line into l->text (NUL-terminated); returns its length,
 * MSH_LINE_EOF or MSH_LINE_CANCEL.  Echo goes to t->out. */
int msh_line_read(struct msh_term *t, struct msh_line *l);

/* The shell's state for its commands. */
struct msh {
	struct msh_term term;
	struct msh_line line;
	int status;             /* of the last command ($?) */
	bool quit;
};

/* Run one command line; sets sh->status. */
void msh_run_line(struct msh *sh, char *line);

#endif /* MSH_MSH_H */
