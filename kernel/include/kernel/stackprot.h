/*
 * The kernel's stack protector.  mk/kernel.mk builds the kernel with
 * -fstack-protector-strong: every function with an array or an
 * address-taken local stores __stack_chk_guard below its return address
 * on entry and calls __stack_chk_fail (a panic: "stack smashing detected")
 * if it changed by the time it returns.
 *
 * The canary in the image is a fixed constant, so builds stay
 * reproducible; kmain replaces it with a random value first thing.  A
 * function that is running while the value changes would fail its check
 * on return, so stack_guard_init and its caller carry
 * __no_stack_protector, and the caller never returns.
 */
#ifndef KERNEL_STACKPROT_H
#define KERNEL_STACKPROT_H

#include <kernel/types.h>

/* The value in the image, until stack_guard_init. */
#define STACK_GUARD_BUILTIN 0x5ec0de5afe9a7d00ULL

/* The canary every protected function checks (the name is the compiler's). */
extern uintptr_t __stack_chk_guard;

/* Replace the canary with a random one whose low byte is zero (a string
 * overrun stops at that NUL).  Call from a function that never returns,
 * before any protected function has been entered.  Returns true if the
 * CPU's random number generator supplied it, false for the cycle counter. */
bool stack_guard_init(void);

#endif /* KERNEL_STACKPROT_H */
