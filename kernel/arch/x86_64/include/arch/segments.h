/* Segment selectors and special vectors, for C and assembly. */
#ifndef ARCH_SEGMENTS_H
#define ARCH_SEGMENTS_H

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b          /* user data, RPL 3: SYSRET loads STAR+8 */
#define SEL_UCODE 0x23          /* user code, RPL 3: SYSRET loads STAR+16 */
#define SEL_TSS   0x28

/* struct trap_frame.vector of a system-call entry (not a CPU vector). */
#define VEC_SYSCALL 0x100

/* Offsets in struct trap_frame (arch/x86.h). */
#define TF_R15    (0 * 8)
#define TF_R14    (1 * 8)
#define TF_R13    (2 * 8)
#define TF_R12    (3 * 8)
#define TF_R11    (4 * 8)
#define TF_R10    (5 * 8)
#define TF_R9     (6 * 8)
#define TF_R8     (7 * 8)
#define TF_RBP    (8 * 8)
#define TF_RDI    (9 * 8)
#define TF_RSI    (10 * 8)
#define TF_RDX    (11 * 8)
#define TF_RCX    (12 * 8)
#define TF_RBX    (13 * 8)
#define TF_RAX    (14 * 8)
#define TF_VECTOR (15 * 8)
#define TF_ERROR  (16 * 8)
#define TF_RIP    (17 * 8)
#define TF_CS     (18 * 8)
#define TF_RFLAGS (19 * 8)
#define TF_RSP    (20 * 8)
#define TF_SIZE   (22 * 8)

#endif /* ARCH_SEGMENTS_H */
