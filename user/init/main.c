/*
 * MantraInit, first version: says hello and lists the boot archive.  The
 * service supervisor (manifest, restarts) comes later.
 */
#include <stdio.h>

#include <libmantra/mantra.h>

int main(void)
{
	const struct mt_startup *startup = mt_startup();
	const struct bootfs *fs;
	struct bootfs_file file;
	mt_status_t st;

	if (startup->magic != MT_STARTUP_MAGIC)
		return 2;
	st = mt_bootfs(&fs);
	if (st < 0) {
		printf("MantraInit: cannot open the boot archive: %s\n",
		       mt_status_str(st));
		return 1;
	}
	printf("MantraInit: started, %zu files in the boot archive\n",
	       bootfs_count(fs));
	for (size_t i = 0; i < bootfs_count(fs); i++)
		if (bootfs_entry(fs, i, &file) == BOOTFS_OK)
			printf("MantraInit:   %s (%zu bytes)\n", file.name,
			       file.size);
	return 0;
}
