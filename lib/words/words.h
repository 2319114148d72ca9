/*
 * Words: a line of words separated by spaces, each "key" or "key=value" —
 * the kernel command line and a program's argument string
 * (struct mt_startup.args).  Freestanding; shared by kernel and user space.
 */
#ifndef LIB_WORDS_H
#define LIB_WORDS_H

#include <stdbool.h>
#include <stddef.h>

/* The first word at or after p: *word and *len, and the position after
 * it; NULL when only spaces are left. */
const char *words_next(const char *p, const char **word, size_t *len);

/* Copy the value of the first word that is `key` or starts "key=" into
 * out (NUL-terminated, truncated to size; a bare "key" has value "").
 * Returns false if no word matches (out is then unchanged). */
bool words_get(const char *line, const char *key, char *out, size_t size);

#endif /* LIB_WORDS_H */
