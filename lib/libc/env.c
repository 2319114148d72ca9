/*
 * The environment (getenv, setenv, unsetenv).  At start-up environ points
 * at the key=value words of the process's arguments (args.c); the first
 * change copies the array to the heap.  Strings setenv makes are never
 * freed, so a pointer getenv returned stays readable after a later change
 * (as in most C libraries); a program that calls setenv in a loop grows.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static char *env_empty[1];
char **environ = env_empty;
static char **env_owned;          /* environ, once it is ours to change */
static size_t env_cap;

/* Index of `name` in environ (name without '='), or -1. */
static long env_find(const char *name, size_t len)
{
	for (long i = 0; environ[i]; i++)
		if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=')
			return i;
	return -1;
}

static bool env_name_ok(const char *name)
{
	return name && *name && !strchr(name, '=');
}

char *getenv(const char *name)
{
	size_t len = strlen(name);
	long i = env_find(name, len);

	return i < 0 ? NULL : environ[i] + len + 1;
}

static size_t env_count(void)
{
	size_t n = 0;

	while (environ[n])
		n++;
	return n;
}

/* Make environ a heap array with room for `extra` more entries. */
static bool env_reserve(size_t extra)
{
	size_t n = env_count();
	char **arr;

	if (environ == env_owned && n + extra < env_cap)
		return true;
	arr = malloc((n + extra + 8) * sizeof(*arr));
	if (!arr)
		return false;
	memcpy(arr, environ, (n + 1) * sizeof(*arr));
	if (env_owned == environ)
		free(env_owned);
	environ = env_owned = arr;
	env_cap = n + extra + 8;
	return true;
}

int setenv(const char *name, const char *value, int overwrite)
{
	size_t nlen, vlen;
	long i;
	char *s;

	if (!env_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	nlen = strlen(name);
	i = env_find(name, nlen);
	if (i >= 0 && !overwrite)
		return 0;
	vlen = strlen(value);
	s = malloc(nlen + vlen + 2);
	if (!s || !env_reserve(1)) {
		free(s);
		errno = ENOMEM;
		return -1;
	}
	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, value, vlen + 1);
	if (i < 0) {
		i = (long)env_count();
		environ[i + 1] = NULL;
	}
	environ[i] = s;
	return 0;
}

int unsetenv(const char *name)
{
	size_t len;
	long i;

	if (!env_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	len = strlen(name);
	while ((i = env_find(name, len)) >= 0) {
		if (!env_reserve(0)) {
			errno = ENOMEM;
			return -1;
		}
		for (; environ[i]; i++)
			environ[i] = environ[i + 1];
	}
	return 0;
}
