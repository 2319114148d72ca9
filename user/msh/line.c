/*
 * The line editor: printable bytes insert at the cursor; Backspace/DEL
 * deletes before it; Ctrl-U clears the line; Ctrl-C cancels it; Left and
 * Right move the cursor; Up and Down browse the history; Enter ends the
 * line.  ANSI (VT100) escape sequences in and out.
 */
#include <string.h>

#include "msh.h"

#define KEY_CTRL_C 0x03
#define KEY_CTRL_D 0x04
#define KEY_BS     0x08
#define KEY_CTRL_U 0x15
#define KEY_ESC    0x1b
#define KEY_DEL    0x7f

/* The next input byte, waiting for one; -1 when the console is closed. */
static int term_getc(struct msh_term *t)
{
	struct console_read_out r;
	mt_status_t st;

	if (t->in_pos == t->in_len) {
		fflush(t->out);
		st = console_read(t->console, t->buf, sizeof(t->in),
				  MT_TIME_INFINITE, &r);
		if (st < 0 || r.data_len == 0)
			return -1;
		memcpy(t->in, r.data, r.data_len);
		t->in_len = r.data_len;
		t->in_pos = 0;
	}
	return t->in[t->in_pos++];
}

/* Redraw the line from the prompt and put the cursor back. */
static void line_redraw(struct msh_term *t, const struct msh_line *l)
{
	fprintf(t->out, "\r" MSH_PROMPT "%s\x1b[K", l->text);
	if (l->len > l->cur)
		fprintf(t->out, "\x1b[%zuD", l->len - l->cur);
}

static void line_set(struct msh_line *l, const char *text)
{
	strcpy(l->text, text);
	l->len = l->cur = strlen(text);
}

static void line_insert(struct msh_term *t, struct msh_line *l, char c)
{
	if (l->len == MSH_LINE_MAX)
		return;
	memmove(l->text + l->cur + 1, l->text + l->cur, l->len - l->cur + 1);
	l->text[l->cur++] = c;
	l->len++;
	if (l->cur == l->len)
		fputc(c, t->out);
	else
		line_redraw(t, l);
}

static void line_backspace(struct msh_term *t, struct msh_line *l)
{
	if (l->cur == 0)
		return;
	memmove(l->text + l->cur - 1, l->text + l->cur, l->len - l->cur + 1);
	l->cur--;
	l->len--;
	line_redraw(t, l);
}

/* Up (-1) or down (+1) through the history. */
static void line_browse(struct msh_term *t, struct msh_line *l, int dir)
{
	if (dir < 0 && l->browse == 0)
		return;
	if (dir > 0 && l->browse == l->nhistory)
		return;
	if (l->browse == l->nhistory)
		strcpy(l->draft, l->text);
	l->browse += dir;
	line_set(l, l->browse == l->nhistory ? l->draft : l->history[l->browse]);
	line_redraw(t, l);
}

/* After ESC: "[A".."[D" (arrows); other sequences are ignored. */
static void line_escape(struct msh_term *t, struct msh_line *l)
{
	int c = term_getc(t);

	if (c != '[')
		return;
	switch (term_getc(t)) {
	case 'A': line_browse(t, l, -1); break;
	case 'B': line_browse(t, l, +1); break;
	case 'C':
		if (l->cur < l->len) {
			l->cur++;
			fputs("\x1b[C", t->out);
		}
		break;
	case 'D':
		if (l->cur > 0) {
			l->cur--;
			fputs("\x1b[D", t->out);
		}
		break;
	default:
		break;
	}
}

/* Remember a non-empty line that differs from the last one. */
static void line_remember(struct msh_line *l)
{
	if (l->len == 0 ||
	    (l->nhistory && strcmp(l->history[l->nhistory - 1], l->text) == 0))
		return;
	if (l->nhistory == MSH_HISTORY) {
		memmove(l->history[0], l->history[1],
			sizeof(l->history[0]) * (MSH_HISTORY - 1));
		l->nhistory--;
	}
	strcpy(l->history[l->nhistory++], l->text);
}

int msh_line_read(struct msh_term *t, struct msh_line *l)
{
	int c;

	line_set(l, "");
	l->browse = l->nhistory;
	fputs(MSH_PROMPT, t->out);
	for (;;) {
		c = term_getc(t);
		if (c < 0 || (c == KEY_CTRL_D && l->len == 0))
			return MSH_LINE_EOF;
		if (c == '\n' && t->last_cr) {
			t->last_cr = false;
			continue;
		}
		t->last_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			fputs("\n", t->out);
			line_remember(l);
			return (int)l->len;
		}
		if (c == KEY_CTRL_C) {
			fputs("^C\n", t->out);
			return MSH_LINE_CANCEL;
		}
		if (c == KEY_CTRL_U) {
			line_set(l, "");
			line_redraw(t, l);
		} else if (c == KEY_BS || c == KEY_DEL) {
			line_backspace(t, l);
		} else if (c == KEY_ESC) {
			line_escape(t, l);
		} else if (c >= 0x20 && c < 0x7f) {
			line_insert(t, l, (char)c);
		}
	}
}
