/*
 * bin/sysfuzz: the controller when started as init, a worker when started
 * by a controller or another worker (sysfuzz.h).
 */
#include "sysfuzz.h"

int main(void)
{
	const struct mt_startup *su = mt_startup();

	if (su->magic != MT_STARTUP_MAGIC)
		return 2;
	if (su->arg == FZ_ROLE_WORKER)
		fz_worker_main(su);
	return fz_controller_main(su);
}
