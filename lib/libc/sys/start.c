/*
 * Process start: __mt_start (called by crt0 with the start-up block)
 * records the block, builds argv and the environment from its argument
 * line on this frame (which lives as long as the program), and calls
 * main(argc, argv, envp).
 */
#include <stdlib.h>
#include <string.h>

#include <libmantra/mantra.h>

#include "../libc.h"

int main(int argc, char **argv, char **envp);

__attribute__((noreturn)) void __mt_start(const struct mt_startup *startup);

void __mt_start(const struct mt_startup *startup)
{
	const char *line = startup->args ? (const char *)(uintptr_t)startup->args : "";
	size_t words = libc_args_count(line);
	char copy[strlen(line) + 1];
	char *vec[2 * words + 3];
	char name[sizeof(startup->name) + 1];
	char **envp;
	int argc;

	mt_startup_set(startup);
	strlcpy(name, startup->name, sizeof(name));
	argc = libc_args_split(name, line, copy, vec, &envp);
	environ = envp;
	exit(main(argc, vec, envp));
}
