/* In-kernel tests of ports, their observers and events: firing on rising
 * edges, coalescing, cancel, and observer lifetime when either side goes
 * (the guest suite covers the system calls). */
#include <kernel/event.h>
#include <kernel/ktest.h>
#include <kernel/port.h>

#define USER0 (1u << 24)
#define USER1 (1u << 25)

/* A port and an event, or the test stops. */
#define SETUP(p, ev)                                                         \
	do {                                                                 \
		KT_CHECK(port_create(&(p)) == MT_OK);                        \
		KT_CHECK(event_create(&(ev)) == MT_OK);                      \
	} while (0)

KTEST(port, once_fires_once_on_rising_edge)
{
	uint64_t live = object_live_count();
	struct mt_port_packet pkt;
	struct port *p;
	struct object *ev;

	SETUP(p, ev);
	KT_CHECK(port_watch(p, ev, USER0, 7, MT_PORT_ONCE) == MT_OK);
	KT_CHECK(!port_take(p, &pkt));
	KT_CHECK(!(port_object(p)->signals & MT_SIGNAL_READABLE));
	object_signal(ev, 0, USER1);            /* not watched */
	KT_CHECK_EQ(port_queued(p), 0);
	object_signal(ev, 0, USER0);
	KT_CHECK(port_object(p)->signals & MT_SIGNAL_READABLE);
	object_signal(ev, USER0, 0);
	object_signal(ev, 0, USER0);            /* disarmed: nothing more */
	KT_CHECK_EQ(port_queued(p), 1);
	KT_CHECK(port_take(p, &pkt));
	KT_CHECK_EQ(pkt.key, 7);
	KT_CHECK_EQ(pkt.type, MT_PORT_PACKET_SIGNAL);
	KT_CHECK_EQ(pkt.observed, USER0 | USER1);
	KT_CHECK(!(port_object(p)->signals & MT_SIGNAL_READABLE));
	KT_CHECK(port_cancel(p, 7) == MT_ERR_NOT_FOUND);  /* freed on take */
	object_unref(ev);
	object_unref(port_object(p));
	KT_CHECK_EQ(object_live_count(), live);
}

KTEST(port, already_raised_fires_at_once)
{
	struct mt_port_packet pkt;
	struct port *p;
	struct object *ev;

	SETUP(p, ev);
	object_signal(ev, 0, USER1);
	KT_CHECK(port_watch(p, ev, USER0 | USER1, 3, MT_PORT_ONCE) == MT_OK);
	KT_CHECK(port_take(p, &pkt));
	KT_CHECK_EQ(pkt.key, 3);
	KT_CHECK_EQ(pkt.observed, USER1);
	object_unref(ev);
	object_unref(port_object(p));
}

KTEST(port, repeating_packet_per_edge)
{
	struct mt_port_packet pkt;
	struct port *p;
	struct object *ev;

	SETUP(p, ev);
	KT_CHECK(port_watch(p, ev, USER0, 9, MT_PORT_REPEATING) == MT_OK);
	for (int i = 0; i < 3; i++) {
		object_signal(ev, 0, USER0);
		object_signal(ev, USER0, 0);
	}
	object_signal(ev, 0, USER1);            /* unwatched bit: no edge */
	object_signal(ev, 0, USER0);
	object_signal(ev, 0, USER0);            /* already up: no edge */
	KT_CHECK_EQ(port_queued(p), 4);
	for (int i = 0; i < 4; i++) {
		KT_CHECK(port_take(p, &pkt));
		KT_CHECK_EQ(pkt.key, 9);
		KT_CHECK(pkt.observed & USER0);
	}
	KT_CHECK_EQ(pkt.observed, USER0 | USER1);
	KT_CHECK(port_cancel(p, 9) == MT_OK);
	object_signal(ev, USER0, 0);
	object_signal(ev, 0, USER0);
	KT_CHECK_EQ(port_queued(p), 0);
	object_unref(ev);
	object_unref(port_object(p));
}

KTEST(port, full_queue_coalesces_into_reserve)
{
	struct mt_port_packet pkt = { .key = 1 };
	struct port *p;
	struct object *ev;

	SETUP(p, ev);
	KT_CHECK(port_watch(p, ev, USER0 | USER1, 2, MT_PORT_REPEATING) == MT_OK);
	for (uint32_t i = 0; i < MT_PORT_QUEUE_MAX; i++)
		KT_CHECK(port_queue_user(p, &pkt) == MT_OK);
	object_signal(ev, 0, USER0);            /* into the reserve */
	object_signal(ev, USER0, USER1);        /* coalesced */
	KT_CHECK_EQ(port_queued(p), MT_PORT_QUEUE_MAX + 1);
	KT_CHECK(port_queue_user(p, &pkt) == MT_ERR_SHOULD_WAIT);
	for (uint32_t i = 0; i < MT_PORT_QUEUE_MAX; i++)
		KT_CHECK(port_take(p, &pkt) && pkt.key == 1);
	KT_CHECK(port_take(p, &pkt));
	KT_CHECK_EQ(pkt.key, 2);
	KT_CHECK_EQ(pkt.observed, USER0 | USER1);
	object_signal(ev, USER1, USER0);        /* the reserve is free again */
	KT_CHECK(port_take(p, &pkt) && pkt.key == 2);
	KT_CHECK(!port_take(p, &pkt));
	object_unref(ev);
	object_unref(port_object(p));
}

KTEST(port, cancel_drops_queued_packets_only_of_key)
{
	struct mt_port_packet pkt = { .key = 5, .user = { 1, 2 } };
	struct port *p;
	struct object *ev;

	SETUP(p, ev);
	KT_CHECK(port_queue_user(p, &pkt) == MT_OK);
	KT_CHECK(port_watch(p, ev, USER0, 5, MT_PORT_REPEATING) == MT_OK);
	KT_CHECK(port_watch(p, ev, USER0, 5, MT_PORT_ONCE) == MT_OK);
	KT_CHECK(port_watch(p, ev, USER0, 6, MT_PORT_ONCE) == MT_OK);
	object_signal(ev, 0, USER0);
	KT_CHECK_EQ(port_queued(p), 4);
	KT_CHECK(port_cancel(p, 5) == MT_OK);
	KT_CHECK_EQ(port_queued(p), 2);
	KT_CHECK(port_take(p, &pkt));
	KT_CHECK_EQ(pkt.type, MT_PORT_PACKET_USER);     /* user packets stay */
	KT_CHECK_EQ(pkt.user[1], 2);
	KT_CHECK(port_take(p, &pkt));
	KT_CHECK_EQ(pkt.key, 6);
	KT_CHECK(port_cancel(p, 5) == MT_ERR_NOT_FOUND);
	object_unref(ev);
	object_unref(port_object(p));
}

KTEST(port, watched_object_destroyed)
{
	uint64_t live = object_live_count();
	struct mt_port_packet pkt;
	struct port *p;
	struct object *ev, *ev2;

	SETUP(p, ev);
	KT_CHECK(event_create(&ev2) == MT_OK);
	KT_CHECK(port_watch(p, ev, USER0, 1, MT_PORT_REPEATING) == MT_OK);
	KT_CHECK(port_watch(p, ev2, USER0, 2, MT_PORT_REPEATING) == MT_OK);
	object_signal(ev2, 0, USER0);           /* ev2's packet is queued */
	object_unref(ev);                       /* observers hold no ref */
	object_unref(ev2);
	KT_CHECK_EQ(object_live_count(), live + 1);
	KT_CHECK(port_take(p, &pkt));           /* what happened stays */
	KT_CHECK_EQ(pkt.key, 2);
	KT_CHECK(port_cancel(p, 1) == MT_ERR_NOT_FOUND);
	KT_CHECK(port_cancel(p, 2) == MT_ERR_NOT_FOUND);
	object_unref(port_object(p));
	KT_CHECK_EQ(object_live_count(), live);
}

KTEST(port, port_destroyed_unlinks_observers)
{
	struct mt_port_packet pkt = { 0 };
	struct port *p;
	struct object *ev;

	SETUP(p, ev);
	KT_CHECK(port_watch(p, ev, USER0, 1, MT_PORT_REPEATING) == MT_OK);
	KT_CHECK(port_watch(p, ev, USER1, 2, MT_PORT_ONCE) == MT_OK);
	object_signal(ev, 0, USER0);
	KT_CHECK(port_queue_user(p, &pkt) == MT_OK);
	object_unref(port_object(p));
	KT_CHECK(list_empty(&ev->observers));
	object_signal(ev, USER0, USER1);        /* must not touch the port */
	object_unref(ev);
}

KTEST(port, limits_and_arguments)
{
	struct mt_port_packet pkt = { 0 };
	struct port *p, *p2;
	struct object *ev;

	SETUP(p, ev);
	KT_CHECK(port_create(&p2) == MT_OK);
	KT_CHECK(port_watch(p, ev, 0, 1, MT_PORT_ONCE) == MT_ERR_INVALID_ARGS);
	KT_CHECK(port_watch(p, ev, 1u << 10, 1, MT_PORT_ONCE) == MT_ERR_INVALID_ARGS);
	KT_CHECK(port_watch(p, ev, USER0, 1, 2) == MT_ERR_INVALID_ARGS);
	KT_CHECK(port_watch(p, port_object(p2), MT_SIGNAL_READABLE, 1,
			    MT_PORT_ONCE) == MT_ERR_WRONG_TYPE);
	for (uint32_t i = 0; i < PORT_WATCHES_MAX; i++)
		KT_CHECK(port_watch(p, ev, USER0, i, MT_PORT_REPEATING) == MT_OK);
	KT_CHECK(port_watch(p, ev, USER0, 0, MT_PORT_ONCE) == MT_ERR_NO_RESOURCES);
	for (uint32_t i = 0; i < MT_PORT_QUEUE_MAX; i++)
		KT_CHECK(port_queue_user(p2, &pkt) == MT_OK);
	KT_CHECK(port_queue_user(p2, &pkt) == MT_ERR_SHOULD_WAIT);
	KT_CHECK(port_take(p2, &pkt));
	KT_CHECK(port_queue_user(p2, &pkt) == MT_OK);
	object_unref(ev);                       /* frees the 256 watches */
	object_unref(port_object(p));
	object_unref(port_object(p2));
}
