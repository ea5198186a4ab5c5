"""Shared pieces of the scheduler tests: fast runners, a concurrency tracker, waiting."""

import itertools
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from django.db import connections, transaction

from switchboard.common.clock import now
from switchboard.scheduler import registry
from switchboard.scheduler.models import JobRun, Lease
from switchboard.scheduler.runner import Runner
from switchboard.scheduler.schedules import Every


def fast_runner(jobs, **overrides) -> Runner:
    timings = {
        "lease_seconds": 3.0,
        "renew_seconds": 0.5,
        "acquire_seconds": 0.2,
        "summary_seconds": 0.3,
    }
    return Runner(jobs, **(timings | overrides))


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


class Tracker:
    """Counts how many tracked job bodies run at the same moment, in any thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.calls = 0

    def run(self, seconds: float = 0.0, result=None):
        with self._lock:
            self.active += 1
            self.calls += 1
            self.max_active = max(self.max_active, self.active)
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self.active -= 1
        return result if result is not None else {"ticks": 1}


def assert_runs_never_overlap(runs=None):
    runs = sorted(runs if runs is not None else JobRun.objects.all(), key=lambda r: r.started_at)
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at <= later.started_at, (earlier, later)
    return runs


def tick() -> dict:
    """A job for the multi-process tests: takes a little time and always records a run."""
    time.sleep(0.05)
    return {"ticks": 1}


def register_tick_job() -> None:
    registry.register("tick", Every(timedelta(milliseconds=200)), tick)


def database_url_for_subprocess() -> str:
    """The test database as a DATABASE_URL, for processes started by a test."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{auth}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@contextmanager
def another_writer_inside_a_transaction():
    """Another connection holds a write transaction (on SQLite: the write lock) until the
    block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Lease.objects.create(name="another-writer", expires_at=now())
                taken.set()
                release.wait(60)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join()
