/* C library <assert.h>. */
#ifndef LIBC_ASSERT_H
#define LIBC_ASSERT_H

__attribute__((noreturn))
void __assert_fail(const char *expr, const char *file, int line);

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : __assert_fail(#e, __FILE__, __LINE__))
#endif

#endif /* LIBC_ASSERT_H */
