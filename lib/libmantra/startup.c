/*
 * The start-up block: written by the creator at the top of the first
 * thread's stack, recorded here once by the C runtime before main().
 */
#include <libmantra/mantra.h>

static const struct mt_startup *mt_startup_block;

void mt_startup_set(const struct mt_startup *startup)
{
	mt_startup_block = startup;
}

const struct mt_startup *mt_startup(void)
{
	return mt_startup_block;
}
