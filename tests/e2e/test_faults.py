"""Proof under faults: the production shape (scripts/serve.sh: 2 uvicorn workers and a
separate `run_scheduler`, on PostgreSQL and Redis started here) under bookings, session
starts and subscribers; one worker and then the scheduler are killed with -9 mid-load and
come back. Nothing committed is lost, every event arrives exactly once after de-duplication
and in order, no session stays active past its end, and no request gets a 5xx."""

import time
from pathlib import Path

import pytest

from tests.e2e.load import Listeners, Load
from tests.e2e.production import Stack
from tests.support.wait import wait_until
from tests.webhooks.support import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
THREADS = 4


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def stack(receiver):
    stack = Stack(workers=2, webhook_url=receiver.url).start()
    yield stack
    stack.stop()


def committed_after(load, kind, more):
    """Wait until `more` further requests of `kind` have been answered 201."""
    target = load.count(kind, 201) + more
    wait_until(lambda: load.count(kind, 201) >= target, timeout=60)


def test_killed_workers_and_scheduler_lose_nothing(stack, receiver):
    org = stack.seed["org"]
    channels = [f"private-org-{org}.managers", f"private-org-{org}", f"private-org-{org}.managers"]
    listeners = Listeners(stack, channels).start()
    wait_until(lambda: all(listener.runs for listener in listeners.listeners))
    load = Load(stack, threads=THREADS, session_seconds=8).start()
    try:
        committed_after(load, "booking", 20)
        # The worker that serves the first subscriber, so that it must reconnect.
        worker = stack.worker_serving(listeners.listeners[0].local_port)
        assert worker, "no worker holds the subscriber's connection"
        killed_at = time.monotonic()
        stack.kill(worker)
        # switchboard.serve replaces its worker; the load carries on through the other meanwhile.
        # Reaped: every thread has exited, so its listening socket is closed. (A zombie
        # group leader is not enough: the other threads may still hold the socket open.)
        wait_until(lambda: not Path(f"/proc/{worker}").exists())
        worker_gone_at = time.monotonic()
        wait_until(lambda: len(stack.worker_pids()) == 2 and worker not in stack.worker_pids())
        committed_after(load, "booking", 20)
        scheduler = stack.scheduler_pid()
        stack.kill(scheduler)
        wait_until(lambda: stack.scheduler_pid() not in (None, scheduler))
        committed_after(load, "booking", 20)
        committed_after(load, "session", 3)
    finally:
        load.stop()

    pg = stack.pg
    # Every session ends 8 s after it starts; the new scheduler (leading once the dead
    # one's lease has expired) completes them all and relays every event, theirs included.
    wait_until(lambda: active_sessions(pg) == 0, timeout=90)
    wait_until(lambda: unpublished(pg) == 0, timeout=90)
    wait_until(lambda: undelivered_webhooks(pg) == 0, timeout=90)
    for listener in listeners.listeners:
        listeners_catch_up(listeners, listener)
    listeners.stop()

    answered = [o for o in load.outcomes if o.status is not None]
    unanswered = [o for o in load.outcomes if o.status is None]
    assert not [o for o in answered if o.status >= 500], "a request got a 5xx"
    # Only requests that reached the killed worker go unanswered: each was sent before the
    # worker was gone and ended after the kill. (Not only those in flight at the kill: a
    # connection the kernel hands to the dying worker's socket before it closes is reset.)
    assert all(
        o.started <= worker_gone_at and o.started + o.took >= killed_at for o in unanswered
    ), describe_unanswered(unanswered, killed_at)
    assert not [o for o in answered if o.kind == "booking" and o.status != 201]

    booked = {
        o.body["id"] for o in answered if o.kind in ("booking", "session") and o.status == 201
    }
    stored = {row[0] for row in pg.query("SELECT id FROM bookings_booking")}
    assert booked <= stored, booked - stored

    for listener in listeners.listeners:
        committed = [
            row[0]
            for row in pg.query(
                "SELECT id FROM realtime_outboxevent WHERE channel = %s ORDER BY id",
                (listener.channel,),
            )
        ]
        assert committed, listener.channel
        assert sorted(set(listener.seen())) == committed, describe(listener, committed)
        for run in [*listener.runs, *listener.replays]:
            assert in_order_once_deduplicated(run), (listener.channel, run)
    assert any(listener.reconnects for listener in listeners.listeners)

    # Every webhook delivered (a retried one keeps its webhook-id), in order per endpoint.
    queued = [row[0] for row in pg.query("SELECT msg_id FROM webhooks_webhookdelivery ORDER BY id")]
    assert queued and pg.query("SELECT DISTINCT status FROM webhooks_webhookdelivery") == [
        ("delivered",)
    ]
    arrived = list(dict.fromkeys(receiver.ids()))
    assert arrived == queued


def active_sessions(pg) -> int:
    sql = "SELECT count(*) FROM bookings_booking WHERE workflow = 'session' AND status = 'active'"
    return pg.query(sql)[0][0]


def undelivered_webhooks(pg) -> int:
    sql = "SELECT count(*) FROM webhooks_webhookdelivery WHERE status <> 'delivered'"
    return pg.query(sql)[0][0]


def unpublished(pg) -> int:
    return pg.query("SELECT count(*) FROM realtime_outboxevent WHERE published_at IS NULL")[0][0]


def listeners_catch_up(listeners, listener):
    """A last replay fetch, as a client does on reconnecting."""
    listeners.catch_up(listener)


def in_order_once_deduplicated(run: list[int]) -> bool:
    """As docs/events.md tells a consumer: ignore an event at or below the highest id seen.
    A relay that died after handing events over, before marking them, sends them again;
    what is ignored must be such a repeat, and what is kept must climb."""
    highest, seen = 0, set()
    for event_id in run:
        if event_id <= highest and event_id not in seen:
            return False  # an event never seen arrived after a later one: out of order
        highest = max(highest, event_id)
        seen.add(event_id)
    return True


def describe_unanswered(unanswered, killed_at) -> str:
    return "; ".join(
        f"writer {o.writer} {o.kind} sent {o.started - killed_at:+.3f} s from the kill,"
        f" took {o.took:.3f} s: {o.error}"
        for o in unanswered
    )


def describe(listener, committed) -> str:
    missing = sorted(set(committed) - set(listener.seen()))
    extra = sorted(set(listener.seen()) - set(committed))
    runs = [(run[0], run[-1], len(run)) for run in listener.runs if run]
    replays = [(r[0], r[-1], len(r)) for r in listener.replays if r]
    return f"{listener.channel}: missing {missing}, extra {extra}, runs {runs}, replays {replays}"
