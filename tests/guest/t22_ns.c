/*
 * ns.*: the namespaces MantraInit builds (docs/init.md): a service sees
 * only the names its manifest line grants, publishes only what it
 * provides, and hardware grants are reported as not there yet.  Runs init
 * on test/init.manifest; the services report through their exit codes.
 */
#include "services.h"

#include <libmantra/ns.h>

#include <idl/init.h>

/* Run init on test/init.manifest and check how `name` ended. */
static void ns_service_exits(const char *name, int64_t code)
{
	static struct gt_fake f;
	struct mt_spawn_result init;
	mt_handle_t ctl;

	gt_fake_init(&f);
	ctl = gt_init_start(&f, "init.manifest", &init);
	gt_init_exit_code(&f, ctl, name, code);
	gt_init_stop(&f, ctl, &init);
	gt_fake_fini(&f);
}

GT_TEST_FULL(ns, lookup_limited_to_grants, MT_FAULT_NONE, 10000)
{
	/* look: names=a,init,sleeper,log with grant=a,init: bits 0 and 1. */
	ns_service_exits("look", 3);
}

GT_TEST_FULL(ns, hardware_grants_not_available, MT_FAULT_NONE, 10000)
{
	/* hw: its ioport and irq grants cannot be looked up yet. */
	ns_service_exits("hw", 0);
}

GT_TEST_FULL(ns, publish_limited_to_provides, MT_FAULT_NONE, 10000)
{
	/* rogue publishes "x" without provides=x: refused, exit code 3. */
	ns_service_exits("rogue", 3);
}

GT_TEST(ns, no_namespace_finds_nothing)
{
	struct mt_ipc_buffer *buf;
	mt_handle_t h;

	GT_OK(mt_ipc_buffer_alloc(&buf));
	GT_CHECK_EQ(mt_ns(), MT_HANDLE_INVALID);
	GT_ERR(mt_ns_lookup(buf, "log", &h), MT_ERR_NOT_FOUND);
	mt_ipc_buffer_free(buf);
}
