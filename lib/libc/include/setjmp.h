/* C library <setjmp.h> (C11 7.13) for x86_64: the callee-saved registers
 * (rbx, rbp, r12-r15), the stack pointer and the return address.  No
 * signal masks (no signals), no FPU control words (user code is built
 * without SSE). */
#ifndef LIBC_SETJMP_H
#define LIBC_SETJMP_H

typedef long jmp_buf[8];

__attribute__((returns_twice)) int setjmp(jmp_buf env);
__attribute__((noreturn)) void longjmp(jmp_buf env, int val);

#endif /* LIBC_SETJMP_H */
