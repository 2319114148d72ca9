/* What the kernel keeps from the boot (core/main.c). */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <bootfs/bootfs.h>
#include <kernel/types.h>
#include <mantra/bootinfo.h>

extern struct mantra_bootinfo boot_info;
extern struct bootfs boot_archive;
extern bool boot_archive_ok;       /* boot_archive passed validation */

/* Deliberately crash the kernel in the way `name` says (panic tests);
 * unknown names are reported and ignored. */
void crashtest_run(const char *name);

/* Start the first process from the boot archive (core/userboot.c). */
void userboot_start(void);

#endif /* KERNEL_BOOT_H */
