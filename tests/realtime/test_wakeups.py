"""An event committed in a process that does not run the relay is relayed at once: the
commit notifies the leading process (PostgreSQL LISTEN/NOTIFY, or a Redis nudge on SQLite),
instead of waiting for the fallback poll."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection

from switchboard.realtime import jobs, wakeups
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


def test_an_event_committed_in_another_process_is_relayed_without_waiting_for_the_poll(
    org, redis_url, settings
):
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
        wait_until(lambda: delivered, timeout=10, interval=0.005)
        _, message = delivered[0]
        assert json.loads(message.data)["from"] == "elsewhere"
    finally:
        runner.stop(timeout=10)
        set_broker(previous)
        if wakeups._listener is not None:
            wakeups._listener.join(10)  # it ends once this process no longer leads
