/*
 * argv and envp from the start-up argument line (struct mt_startup.args,
 * lib/words): argv[0] is the process name, then every word in order;
 * envp is the words of the form key=value.  So "seed=7 -v file" gives
 * argc 4 and the environment "seed=7".  Words have no quoting (a space
 * always separates).
 */
#include <string.h>

#include <words/words.h>

#include "libc.h"

size_t libc_args_count(const char *line)
{
	const char *w;
	size_t n = 0, len;

	while (line && (line = words_next(line, &w, &len)))
		n++;
	return n;
}

int libc_args_split(const char *name, const char *line, char *copy,
		    char **vec, char ***envp)
{
	size_t argc = 0, nwords = libc_args_count(line), len;
	char **env = vec + nwords + 2;      /* after argv and its NULL */
	const char *w;

	vec[argc++] = (char *)name;
	while (line && (line = words_next(line, &w, &len))) {
		memcpy(copy, w, len);
		copy[len] = '\0';
		vec[argc++] = copy;
		copy += len + 1;
	}
	vec[argc] = NULL;
	/* The environment: the argument words with a '=', in order. */
	*envp = env;
	for (size_t i = 1; i < argc; i++)
		if (strchr(vec[i], '='))
			*env++ = vec[i];
	*env = NULL;
	return (int)argc;
}
