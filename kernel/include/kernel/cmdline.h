/*
 * The kernel command line (from \mantra\boot.cfg via BootInfo): words
 * separated by spaces, each "key" or "key=value" (lib/words).  Known keys:
 *   loglevel=error|warn|info|debug   kernel log threshold (default info)
 *   selftest=all|GROUP[,GROUP...]    run the in-kernel tests, then exit
 *   crashtest=NAME                   deliberately crash (panic tests)
 *   init=NAME                        first process from the boot archive
 *   init.KEY=VALUE                   an argument for init (startup.args)
 *   ipc=fast|slow                    IPC fast path on (default) or off
 *   debug=slab[,...]                 debugging aids: slab poisoning
 * Words starting "mantraboot." are the loader's and ignored here.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <kernel/types.h>

/* Keep a private copy of `line` (truncated to the BootInfo maximum). */
void cmdline_init(const char *line);

/* The whole line, as kept. */
const char *cmdline_get_all(void);

/* Copy the value of `key` into out (NUL-terminated, truncated to size).
 * Returns false if the key is absent; a bare "key" has value "". */
bool cmdline_get(const char *key, char *out, size_t size);

/* Copy the words that start with `prefix`, without it, into out, joined by
 * single spaces (whole words only, as many as fit with the NUL); returns
 * the length.  Words that are only the prefix are skipped.  For the
 * arguments the kernel passes init ("init.seed=7" -> "seed=7"). */
size_t cmdline_words_with_prefix(const char *prefix, char *out, size_t size);

/* True if `item` appears in the comma-separated `list`. */
bool cmdline_list_has(const char *list, const char *item);

#endif /* KERNEL_CMDLINE_H */
