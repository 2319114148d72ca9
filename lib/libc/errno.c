/*
 * errno and its texts.  One errno per process for now (see <errno.h>).
 */
#include <errno.h>
#include <string.h>

#include <fmt/fmt.h>

static int libc_errno;

int *__errno_location(void)
{
	return &libc_errno;
}

static const char *const errno_texts[] = {
	[0] = "Success",
	[EPERM] = "Operation not permitted",
	[ENOENT] = "No such file or directory",
	[ESRCH] = "No such process",
	[EINTR] = "Interrupted",
	[EIO] = "Input/output error",
	[ENXIO] = "No such device or address",
	[E2BIG] = "Argument list too long",
	[ENOEXEC] = "Exec format error",
	[EBADF] = "Bad file descriptor",
	[ECHILD] = "No child processes",
	[EAGAIN] = "Resource temporarily unavailable",
	[ENOMEM] = "Out of memory",
	[EACCES] = "Permission denied",
	[EFAULT] = "Bad address",
	[EBUSY] = "Device or resource busy",
	[EEXIST] = "File exists",
	[EXDEV] = "Cross-device link",
	[ENODEV] = "No such device",
	[ENOTDIR] = "Not a directory",
	[EISDIR] = "Is a directory",
	[EINVAL] = "Invalid argument",
	[ENFILE] = "Too many open files in system",
	[EMFILE] = "Too many open files",
	[ENOTTY] = "Not a terminal",
	[EFBIG] = "File too large",
	[ENOSPC] = "No space left on device",
	[ESPIPE] = "Illegal seek",
	[EROFS] = "Read-only file system",
	[EMLINK] = "Too many links",
	[EPIPE] = "Broken pipe",
	[EDOM] = "Argument out of domain",
	[ERANGE] = "Result out of range",
	[EDEADLK] = "Resource deadlock avoided",
	[ENAMETOOLONG] = "File name too long",
	[ENOSYS] = "Function not implemented",
	[ENOTEMPTY] = "Directory not empty",
	[ELOOP] = "Too many levels of symbolic links",
	[EOVERFLOW] = "Value too large for its type",
	[EILSEQ] = "Invalid or incomplete byte sequence",
	[ENOTSUP] = "Operation not supported",
	[ETIMEDOUT] = "Timed out",
	[ECANCELED] = "Operation canceled",
};

static const char *errno_text(int err)
{
	if (err >= 0 && (size_t)err < sizeof(errno_texts) / sizeof(errno_texts[0]))
		return errno_texts[err];
	return NULL;
}

int strerror_r(int err, char *buf, size_t size)
{
	const char *text = errno_text(err);

	if (!text) {
		fmt_snprintf(buf, size, "Unknown error %d", err);
		return EINVAL;
	}
	return strlcpy(buf, text, size) < size ? 0 : ERANGE;
}

char *strerror(int err)
{
	static char unknown[32];
	const char *text = errno_text(err);

	if (text)
		return (char *)text;
	strerror_r(err, unknown, sizeof(unknown));
	return unknown;
}
