/*
 * bin/testsvc: a service for the init.* and msh.* guest tests, started by
 * MantraInit from a test manifest (tests/guest/manifests/) or by msh's
 * `run`.  Its behaviour is chosen by its arguments:
 *
 *   mode=exit code=N            exit with N
 *   mode=crash [delay=MS]       read address 0 (after MS milliseconds)
 *   mode=sleep                  sleep until killed
 *   mode=publish name=X [delay=MS]
 *                               publish a fresh endpoint as X, then sleep
 *   mode=lookup names=A,B,...   exit with bit i set if name i was found
 *   mode=garbage                send init (grant=init) a malformed list
 *                               call, say how it was refused, then check
 *                               that init still answers; exit 0 if so
 */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <idl/init.h>
#include <libmantra/ns.h>

static void svc_sleep_ms(uint64_t ms)
{
	(void)mt_nanosleep(mt_clock_get() + (mt_time_t)(ms * 1000000));
}

static int svc_lookup(struct mt_ipc_buffer *buf)
{
	char names[128], *save = NULL;
	int bit = 0, found = 0;
	mt_handle_t h;

	if (!mt_startup_arg("names", names, sizeof(names)))
		return 255;
	for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save), bit++)
		if (mt_ns_lookup(buf, n, &h) >= 0) {
			found |= 1 << bit;
			mt_handle_drop(h);
		}
	return found;
}

static int svc_publish(struct mt_ipc_buffer *buf)
{
	char name[32];
	mt_handle_t ep, h;

	if (!mt_startup_arg("name", name, sizeof(name)))
		return 255;
	svc_sleep_ms(mt_startup_arg_u64("delay", 0));
	if (mt_endpoint_create(&ep) < 0 || mt_handle_dup(ep, MT_RIGHT_SAME, &h) < 0 ||
	    mt_ns_publish(buf, name, h) < 0)
		return 3;
	for (;;)
		svc_sleep_ms(1000);
}

static int svc_garbage(struct mt_ipc_buffer *buf)
{
	struct mt_ipc_msg m = { 0 }, rep;
	struct init_list_out out;
	mt_handle_t init;
	mt_status_t st;

	if (mt_ns_lookup(buf, "init", &init) < 0)
		return 2;
	/* list(index) with bits set beyond its 32-bit index. */
	m.info = MT_IPC_INFO(INIT_LIST_LABEL, 0, 0);
	m.w[0] = 0xdeadbeef00000000ull;
	st = mt_call(init, &m, &rep);
	if (st >= 0)
		st = idl_reply_status(&rep, buf);
	printf("testsvc: malformed init call refused: %s\n", mt_status_str(st));
	if (st >= 0)
		return 3;
	st = init_list(init, buf, 0, &out);
	printf("testsvc: init still serves: list(0) = %s\n",
	       st >= 0 ? out.name : mt_status_str(st));
	return st >= 0 ? 0 : 4;
}

int main(void)
{
	struct mt_ipc_buffer *buf;
	char mode[16] = "";

	if (mt_ipc_buffer_alloc(&buf) < 0)
		return 254;
	(void)mt_startup_arg("mode", mode, sizeof(mode));
	if (strcmp(mode, "exit") == 0)
		return (int)mt_startup_arg_u64("code", 0);
	if (strcmp(mode, "crash") == 0) {
		svc_sleep_ms(mt_startup_arg_u64("delay", 0));
		return *(volatile int *)(uintptr_t)0;
	}
	if (strcmp(mode, "sleep") == 0)
		for (;;)
			svc_sleep_ms(1000);
	if (strcmp(mode, "publish") == 0)
		return svc_publish(buf);
	if (strcmp(mode, "lookup") == 0)
		return svc_lookup(buf);
	if (strcmp(mode, "garbage") == 0)
		return svc_garbage(buf);
	return 255;
}
