"""An event committed in a process that does not run the relay is relayed at once: the
commit notifies the leading process (PostgreSQL LISTEN/NOTIFY, or a Redis nudge on SQLite),
instead of waiting for the fallback poll."""

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from switchboard.realtime import jobs, relay, wakeups
from switchboard.realtime.publish import outbox_write
from switchboard.realtime.server.broker import InMemoryBroker, set_broker
from switchboard.scheduler import runner
from switchboard.scheduler.models import JobState
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Continuous
from tests.realtime.support import RedisProcess
from tests.scheduler.helpers import database_url_for_subprocess, fast_runner, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# Far longer than any wait below: a delivery within them cannot come from the poll.
POLL = timedelta(seconds=30)

WRITER = """
import sys, django
django.setup()
from django.db import transaction
from switchboard.accounts.models import Organization
from switchboard.realtime.publish import outbox_write
org = Organization.objects.get(pk=int(sys.argv[1]))
with transaction.atomic():
    outbox_write(org, ["private-org-acme"], "test-event", {"from": "elsewhere"})
"""


@pytest.fixture
def redis_url():
    """PostgreSQL notifies by itself; on SQLite the nudge goes through a real Redis."""
    if connection.vendor == "postgresql":
        yield ""
        return
    process = RedisProcess().start()
    yield process.url
    process.stop()


@pytest.fixture
def leading_relay(org, redis_url, settings):
    """This process leads, with the relay polling only every 30 s and its listener on;
    yields what the broker was handed, with when."""
    settings.REDIS_URL = redis_url
    delivered = []
    broker = InMemoryBroker()
    broker.add_listener(lambda message: delivered.append((time.monotonic(), message)))
    previous = set_broker(broker)
    job = Job(
        name=jobs.RELAY_JOB,
        schedule=Continuous(poll=POLL),
        func=jobs.relay_outbox,
        record_idle_runs=False,
        lane="relay",
    )
    active = runner.start(fast_runner([job]))
    try:
        wait_until(lambda: active.is_leader, timeout=30)
        wait_until(
            lambda: JobState.objects.filter(
                job=jobs.RELAY_JOB, last_started_at__isnull=False
            ).exists(),
            timeout=30,
        )
        wait_until(lambda: wakeups._listener is not None and wakeups._listener.is_alive())
        wait_until(lambda: relay.commits_heard)
        yield delivered
    finally:
        runner.stop(timeout=10)
        set_broker(previous)
        if wakeups._listener is not None:
            wakeups._listener.join(10)  # it ends once this process no longer leads


def test_an_event_committed_in_another_process_is_relayed_without_waiting_for_the_poll(
    org, redis_url, settings, leading_relay
):
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        "REDIS_URL": redis_url,
        "SCHEDULER_ENABLED": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(org.pk)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    # Well below the 30 s poll: only the notification can have woken the relay.
    wait_until(lambda: leading_relay, timeout=10, interval=0.005)
    _, message = leading_relay[0]
    assert json.loads(message.data)["from"] == "elsewhere"


def test_a_commit_in_the_leading_process_wakes_the_relay_once_through_its_listener(
    org, leading_relay
):
    """The listener hears this process's commits too: the commit does not also nudge the
    relay itself (woken twice per commit, it ran more often and mostly for nothing)."""
    nudged_from = []

    def hook():
        nudged_from.append(threading.current_thread().name)

    relay.nudge_hooks.register(hook)
    try:
        with transaction.atomic():
            outbox_write(org, ["private-org-acme"], "test-event", {"from": "here"})
        wait_until(lambda: leading_relay, timeout=10, interval=0.005)
    finally:
        relay.nudge_hooks.unregister(hook)
    assert json.loads(leading_relay[0][1].data)["from"] == "here"
    assert nudged_from and set(nudged_from) == {"outbox-listener"}


def test_without_a_listener_a_commit_nudges_the_relay_itself(org, leading_relay):
    runner.stop(timeout=10)
    wakeups._listener.join(10)
    assert not relay.commits_heard
    nudged = []
    hook = relay.nudge_hooks.register(lambda: nudged.append(1))
    try:
        with transaction.atomic():
            outbox_write(org, ["private-org-acme"], "test-event", {"from": "here"})
    finally:
        relay.nudge_hooks.unregister(hook)
    assert nudged == [1]
