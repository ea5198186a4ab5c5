"""The outbox relay: committed events reach the broker in order, nudged on commit, caught up
after a restart, and delivered exactly once to a consumer that de-duplicates by event_id,
even when the relaying process is killed between commit, publish and mark."""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from switchboard.realtime import jobs, relay
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import outbox_write as publish
from switchboard.realtime.server.broker import InMemoryBroker, get_broker, set_broker
from switchboard.scheduler import runner
from switchboard.scheduler.models import JobState
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Continuous
from tests.scheduler.helpers import database_url_for_subprocess, fast_runner, wait_until

CHANNELS = ["private-org-acme", "private-org-acme-dept-wash", "private-org-acme-staff-7"]


class Received:
    """A broker listener: what was delivered, with when, decoded."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def __call__(self, message):
        with self.lock:
            self.items.append((time.monotonic(), message))

    @property
    def messages(self):
        with self.lock:
            return [message for _, message in self.items]

    def ids(self, channel=None):
        return [
            json.loads(m.data)["event_id"]
            for m in self.messages
            if channel is None or m.channel == channel
        ]


@pytest.fixture
def received():
    """A fresh in-memory broker for this test, with a listener on it."""
    listener = Received()
    broker = InMemoryBroker()
    broker.add_listener(listener)
    previous = set_broker(broker)
    yield listener
    set_broker(previous)


def emit(org, channels, seq, **extra):
    return publish(org, channels, "test-event", {"seq": seq, **extra})


@pytest.mark.django_db
def test_relay_publishes_in_id_order_keeps_each_channel_in_order_and_marks(org, received):
    for seq in range(12):
        emit(org, [CHANNELS[seq % 3], CHANNELS[(seq + 1) % 3]], seq)
    rows = list(OutboxEvent.objects.order_by("id"))

    batches = []
    while count := relay.relay_pending(limit=5):
        batches.append(count)

    assert batches == [5, 5, 5, 5, 4]
    assert received.ids() == [row.pk for row in rows]
    for channel in CHANNELS:
        ids = received.ids(channel)
        assert ids == sorted(ids) and len(ids) == 8
    first = received.messages[0]
    assert (first.channel, first.event) == (rows[0].channel, "test-event")
    assert json.loads(first.data) == {"seq": 0, "event_id": rows[0].pk}
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert relay.relay_pending() == 0  # marked: nothing goes out twice
    assert len(received.messages) == 24


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing_and_does_not_nudge(org, received):
    nudges = []

    def hook():
        nudges.append(1)

    relay.nudge_hooks.register(hook)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            emit(org, CHANNELS, 1)
            raise RuntimeError("the change failed")
        assert nudges == []
        assert relay.relay_pending() == 0
        assert not OutboxEvent.objects.exists()
        with transaction.atomic():
            emit(org, CHANNELS[:1], 2)
        assert nudges == [1]  # on commit, once
    finally:
        relay.nudge_hooks.unregister(hook)
    assert relay.relay_pending() == 1
    assert [json.loads(m.data)["seq"] for m in received.messages] == [2]


@pytest.fixture
def relay_runner():
    """This process's runner with only the relay, polling once an hour: any delivery within
    the tests' bounded waits must come from the nudge."""

    def start():
        job = Job(
            name=jobs.RELAY_JOB,
            schedule=Continuous(poll=timedelta(hours=1)),
            func=jobs.relay_outbox,
            record_idle_runs=False,
        )
        active = runner.start(fast_runner([job]))
        wait_until(lambda: active.is_leader)
        return active

    yield start
    runner.stop(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_committed_event_reaches_a_listener_promptly_without_waiting_for_a_poll(
    org, received, relay_runner
):
    active = relay_runner()
    # The first (catch-up) run is over; from now on only nudges relay.
    wait_until(
        lambda: JobState.objects.filter(job=jobs.RELAY_JOB, last_started_at__isnull=False).exists(),
        timeout=30,
    )
    latencies = []
    for seq in range(20):
        with transaction.atomic():
            emit(org, CHANNELS[:1], seq)
        committed = time.monotonic()
        # Far below the hourly poll: each delivery within it comes from the nudge.
        wait_until(lambda n=seq: len(received.items) > n, timeout=30, interval=0.001)
        latencies.append(received.items[seq][0] - committed)
    latencies.sort()
    print(f"nudge latency p50={latencies[10] * 1000:.1f} ms max={latencies[-1] * 1000:.1f} ms")
    assert received.ids() == list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    assert active.is_leader


@pytest.mark.django_db(transaction=True)
def test_events_committed_while_nothing_relayed_go_out_when_a_relay_starts(
    org, received, relay_runner
):
    for seq in range(30):
        emit(org, [CHANNELS[seq % 3]], seq)  # no runner in this process: nothing relays
    assert received.messages == []
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 30

    relay_runner()  # a new leader catches up at once, with no nudge (it polls hourly)
    wait_until(lambda: len(received.messages) == 30, timeout=30)
    assert received.ids() == list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    wait_until(lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists())


def race_writers_against_the_relay(org, received, rounds=15):
    """Four writers whose transactions take ids in one order and commit in another, and
    a relay publishing all the while. Returns the ids in the order they were delivered."""
    writers_done = threading.Event()
    errors = []

    def write(worker):
        rng = random.Random(worker)
        try:
            for seq in range(rounds):
                with transaction.atomic():
                    emit(org, [CHANNELS[worker % 3]], seq, worker=worker)
                    time.sleep(rng.uniform(0, 0.02))  # hold the id uncommitted a while
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def keep_relaying():
        try:
            while not writers_done.is_set():
                relay.relay_pending(limit=7)
            while relay.relay_pending(limit=7):
                pass
        finally:
            connections.close_all()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    relayer = threading.Thread(target=keep_relaying)
    relayer.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    writers_done.set()
    relayer.join()
    assert errors == []
    return received.ids()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_make_the_relay_skip_or_reorder_an_event(org, received):
    ids = race_writers_against_the_relay(org, received)
    assert ids == sorted(ids)
    assert ids == list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 60
    assert relay.outbox_skipped_events() == (0, [])
    assert relay.outbox_published_out_of_order() == (0, [])


@pytest.mark.django_db(transaction=True)
def test_without_the_order_lock_postgresql_really_reorders(org, received, monkeypatch):
    """The other side of the test above: the lock is what keeps the order."""
    monkeypatch.setattr(relay, "ORDER_LOCK", False)
    ids = race_writers_against_the_relay(org, received)
    assert sorted(ids) == list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    if connection.vendor == "postgresql":
        assert ids != sorted(ids)  # a later id went out before an earlier one
    else:
        # SQLite needs no lock: IMMEDIATE transactions hand out ids in commit order.
        assert ids == sorted(ids)


def relay_until(done: threading.Event) -> None:
    """Relay every 10 ms until `done` is set (a thread's target)."""
    try:
        while not done.is_set():
            relay.relay_pending()
            time.sleep(0.01)
    finally:
        connections.close_all()


def relay_the_rest_in_order(received) -> list[int]:
    """Relay what is left; every event must have gone out once, in id order."""
    while relay.relay_pending():
        pass
    ids = received.ids()
    assert ids == list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    return ids


def hold_the_outbox_for_maintenance(held: threading.Event, release: threading.Event, errors):
    """What an autovacuum's VACUUM or ANALYZE of the outbox holds (PostgreSQL)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            table = connection.ops.quote_name(OutboxEvent._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE UPDATE EXCLUSIVE MODE")
            held.set()
            release.wait(120)
    except Exception as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_maintenance_on_the_outbox_does_not_make_writers_queue_behind_the_relay(
    org, received, monkeypatch
):
    """While maintenance holds the outbox table, a SHARE request from the relay would wait
    for it, and every writer's insert would queue behind that request (a stall of a second
    or more, until PostgreSQL cancels the autovacuum). The relay must come back later
    instead; once the table is free the events go out, in order."""
    monkeypatch.setattr(relay, "LOCK_TIMEOUT_MS", 600_000)
    monkeypatch.setattr(relay, "STARVED_AFTER", 600.0)
    held, release, stop = threading.Event(), threading.Event(), threading.Event()
    errors: list = []
    holder = None
    if connection.vendor == "postgresql":  # SQLite has no table locks to stand in the way
        holder = threading.Thread(
            target=hold_the_outbox_for_maintenance, args=(held, release, errors)
        )
        holder.start()
        assert held.wait(10)

    def write():
        try:
            for seq in range(5):
                with transaction.atomic():
                    emit(org, CHANNELS[:1], seq)
                time.sleep(0.02)
        finally:
            connections.close_all()

    relayer = threading.Thread(target=relay_until, args=(stop,))
    relayer.start()
    writer = threading.Thread(target=write)
    writer.start()
    writer.join(30)
    wrote_beside_maintenance = not writer.is_alive()
    release.set()
    if holder is not None:
        holder.join()
    writer.join()
    stop.set()
    relayer.join()

    assert errors == []
    assert wrote_beside_maintenance  # every writer committed while maintenance held the table
    assert len(relay_the_rest_in_order(received)) == 5


def a_lock_request_waits_on_the_outbox(seconds: float, *, within: float) -> bool:
    """Whether some session's lock request on the outbox stays waiting `seconds` on end."""
    table = OutboxEvent._meta.db_table
    deadline, since = time.monotonic() + within, None
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks"
                " WHERE relation = to_regclass(%s) AND NOT granted)",
                [table],
            )
            waiting = cursor.fetchone()[0]
        since = (since or time.monotonic()) if waiting else None
        if since is not None and time.monotonic() - since >= seconds:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_maintenance_that_holds_the_outbox_long_is_outwaited(org, received, monkeypatch):
    """A long vacuum must not hold events back for as long as it runs: once maintenance
    has held the table for OUTWAIT_MAINTENANCE_AFTER, the relay asks for its lock and
    waits (PostgreSQL would then cancel an autovacuum; here the holder lets go)."""
    monkeypatch.setattr(relay, "STARVED_AFTER", 0.05)
    monkeypatch.setattr(relay, "OUTWAIT_MAINTENANCE_AFTER", 0.3)
    monkeypatch.setattr(relay, "LOCK_TIMEOUT_MS", 600_000)
    emit(org, CHANNELS[:1], 0)
    held, release, stop = threading.Event(), threading.Event(), threading.Event()
    errors: list = []
    outwaited = None
    relayer = threading.Thread(target=relay_until, args=(stop,))
    if connection.vendor == "postgresql":  # SQLite has no table locks to stand in the way
        holder = threading.Thread(
            target=hold_the_outbox_for_maintenance, args=(held, release, errors)
        )
        holder.start()
        assert held.wait(10)
        relayer.start()
        outwaited = a_lock_request_waits_on_the_outbox(1.0, within=20)
        assert received.messages == []  # nothing went out while the table was held
        release.set()
        holder.join()
    else:
        relayer.start()
    wait_until(lambda: len(received.messages) == 1, timeout=10)
    stop.set()
    relayer.join()

    assert errors == []
    if connection.vendor == "postgresql":
        assert outwaited  # one request stayed waiting, not only tries of 100 ms
    assert len(relay_the_rest_in_order(received)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_that_publishes_does_not_hold_up_other_writers(
    org, received, monkeypatch
):
    """The relay must wait for a long transaction's event (it has the lowest id), but on
    PostgreSQL its lock request must not make every other writer wait behind it.

    The relay's lock wait is made far longer than the long transaction, so a writer queued
    behind the relay's lock request could only commit after the long transaction ended.
    """
    monkeypatch.setattr(relay, "LOCK_TIMEOUT_MS", 600_000)
    long_wrote, release = threading.Event(), threading.Event()
    commit_times, errors = [], []

    def long_transaction():
        try:
            with transaction.atomic():
                emit(org, CHANNELS[:1], 0, kind="long")
                long_wrote.set()
                release.wait(120)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    holder = threading.Thread(target=long_transaction)
    holder.start()
    assert long_wrote.wait(10)
    relayer = threading.Thread(target=relay_until, args=(release,))
    relayer.start()
    if connection.vendor == "postgresql":  # SQLite writers queue behind the long one anyway
        for seq in range(1, 30):
            started = time.monotonic()
            with transaction.atomic():
                emit(org, CHANNELS[1:2], seq, kind="short")
            commit_times.append(time.monotonic() - started)
            time.sleep(0.05)
        assert received.messages == []  # nothing may overtake the long transaction's event
        # Every short writer committed while the long transaction was still open.
        assert holder.is_alive() and not release.is_set()
        print(f"short commits beside a long transaction: max {max(commit_times):.3f} s")
    release.set()
    holder.join()
    relayer.join()

    assert errors == []
    relay_the_rest_in_order(received)
    assert json.loads(received.messages[0].data)["kind"] == "long"


# The crash test -----------------------------------------------------------------------


WORKER = """
import sys, django
django.setup()
from tests.realtime.test_relay import crash_worker
crash_worker(*sys.argv[1:])
"""


def crash_worker(org_id, delivery_log, kill_log, transactions, seed):
    """Fork children that commit events, some in transactions that roll back, and relay
    them; a fault hook SIGKILLs a child between commit and publish or between publish
    and mark. Then one child with no faults relays what is left, as a restart would."""
    target = int(transactions)
    started = 0
    connections.close_all()  # every child opens its own connection
    while started < target:
        child_seed = int(seed) * 100_000 + started
        pid = os.fork()
        if pid == 0:
            _crash_child(int(org_id), delivery_log, kill_log, child_seed, faults=True)
            os._exit(0)
        os.waitpid(pid, 0)
        started += 4
    pid = os.fork()
    if pid == 0:
        _crash_child(int(org_id), delivery_log, kill_log, 0, faults=False)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


def _crash_child(org_id, delivery_log, kill_log, seed, *, faults):
    from switchboard.accounts.models import Organization

    rng = random.Random(seed)
    out = os.open(delivery_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    get_broker().add_listener(lambda message: os.write(out, (message.data + "\n").encode()))

    def fault(point):
        if faults and rng.random() < 0.2:
            with open(kill_log, "a") as log:
                log.write(point + "\n")
            os.kill(os.getpid(), signal.SIGKILL)

    relay.fault_hook = fault
    if not faults:
        while relay.relay_pending(limit=3):
            pass
        connections.close_all()
        return
    org = Organization.objects.get(pk=org_id)
    for step in range(4):
        doomed = rng.random() < 0.25
        try:
            with transaction.atomic():
                for n in range(rng.randint(1, 3)):
                    emit(org, [rng.choice(CHANNELS)], n, txn=f"{seed}-{step}", doomed=doomed)
                if doomed:
                    raise RuntimeError("roll back")
        except RuntimeError:
            pass
        relay.relay_pending(limit=rng.randint(1, 4))
    connections.close_all()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_killed_relays_deliver_every_committed_event_exactly_once_in_order(org, tmp_path):
    delivery_log = tmp_path / "delivered.jsonl"
    kill_log = tmp_path / "kills.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        "REDIS_URL": "",  # the in-memory broker: listeners run in the relaying thread
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(org.pk), delivery_log, kill_log, "240", "7"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    kills = kill_log.read_text().split()
    assert kills.count("before_publish") >= 5
    assert kills.count("after_publish") >= 5
    raw = [json.loads(line) for line in delivery_log.read_text().splitlines()]
    # The consumer: keep the first copy of each event_id, drop the repeats.
    seen, consumed = set(), []
    for message in raw:
        if message["event_id"] not in seen:
            seen.add(message["event_id"])
            consumed.append(message)
    assert len(raw) > len(consumed)  # kills after publish really caused repeats

    committed = {row.pk: row.message() for row in OutboxEvent.objects.all()}
    assert [m["event_id"] for m in consumed] == sorted(committed)  # all, once, in order
    assert all(m == committed[m["event_id"]] for m in consumed)
    assert not any(m["doomed"] for m in raw)
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert len(committed) > 100
    print(
        f"crash test: {len(committed)} events, {kills.count('before_publish')} kills before "
        f"publish, {kills.count('after_publish')} after publish, "
        f"{len(raw) - len(consumed)} repeats de-duplicated"
    )


@pytest.mark.django_db(transaction=True)
def test_a_busy_relay_asks_for_its_lock_without_looking_first(org, received, monkeypatch):
    """An idle poll only looks (no lock). While events keep coming, that look would find
    them again, so the relay asks for its lock at once; after a run that finds nothing it
    looks first again."""
    monkeypatch.setattr(relay, "_pending_seen", False)

    def statements_of_one_run() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            relay.relay_pending()
        return [q["sql"] for q in queries.captured_queries]

    def looks(sql) -> int:
        return sum("EXISTS" in s.upper() or "LIMIT 1" in s.upper() for s in sql)

    def locks(sql) -> int:
        return sum(s.startswith("LOCK TABLE") for s in sql)

    runs = []
    for seq in range(2):
        emit(org, CHANNELS[:1], seq)
        runs.append(statements_of_one_run())
    runs += [statements_of_one_run(), statements_of_one_run()]  # nothing left, then idle
    assert [json.loads(m.data)["seq"] for m in received.messages] == [0, 1]
    if connection.vendor == "postgresql":
        assert [looks(r) for r in runs] == [1, 0, 0, 1]
        assert [locks(r) for r in runs] == [1, 1, 1, 0]
        # The lock and the read go as one message, which PostgreSQL runs as one transaction
        # (no BEGIN or COMMIT of their own): a run that publishes is that message and the
        # mark, one that finds nothing the message alone.
        assert [len(r) for r in runs] == [3, 2, 1, 1]
    else:  # SQLite reads its prefix without a look or a lock: ids come in commit order
        assert [looks(r) + locks(r) for r in runs] == [0, 0, 0, 0]
        assert [len(r) for r in runs] == [2, 2, 1, 1]
