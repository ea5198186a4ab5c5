"""The one job runner: a lease thread that keeps leadership, a job thread that runs due
jobs one at a time while this process leads.

Leadership is a lease row (`services.lease_claim`), renewed every few seconds. The
holder counts its term from just before it asked the database, on its own monotonic
clock, and stops starting jobs the moment that term (less a margin) has passed without a
renewal, which is always before any other process may take the lease over. Renewal runs
in its own thread so a long job cannot make the holder lose the lease by accident.

The process-wide runner is started with the served application (`switchboard.lifespan`)
or by `manage.py run_scheduler`; `wake(name)` makes a job due now.
"""

import json
import logging
import os
import secrets
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, connections

from switchboard.common.clock import now
from switchboard.common.tenancy import cross_org
from switchboard.scheduler import registry, services
from switchboard.scheduler.models import JobResult, JobState
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Continuous, NextDeadline

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
# The job thread looks at the clock at least this often, so a clock change, a deadline
# created meanwhile or a lost lease is noticed within it.
MAX_SLEEP = 1.0
MAX_BACKOFF = timedelta(seconds=60)


def _config(key):
    return settings.SCHEDULER[key]


def process_identity() -> str:
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseKeeper:
    """Holds the lease for one process and knows, without asking, whether it still may act."""

    def __init__(self, *, name: str, holder: str, term: float):
        self.name = name
        self.holder = holder
        self.term = term
        self.margin = min(1.0, term / 10)
        self._deadline = 0.0

    def held(self) -> bool:
        return time.monotonic() < self._deadline

    def claim(self) -> bool:
        """Take or renew the lease. A database error keeps the current term running out."""
        asked_at = time.monotonic()
        try:
            ok = services.lease_claim(
                name=self.name, holder=self.holder, term=timedelta(seconds=self.term)
            )
        except Exception as exc:  # the database is unreachable or busy: the term runs on
            logger.warning("lease_claim_failed holder=%s error=%s", self.holder, exc)
            connection.close()
            return self.held()
        # The database stamped the new expiry after `asked_at`, so counting from here
        # ends our term before any other process can see the lease as expired.
        self._deadline = asked_at + self.term - self.margin if ok else 0.0
        return ok

    def release(self) -> None:
        self._deadline = 0.0
        try:
            services.lease_release(name=self.name, holder=self.holder)
        except DatabaseError as exc:
            logger.warning("lease_release_failed holder=%s error=%s", self.holder, exc)


@dataclass
class _Burst:
    """Runs of a frequent job not yet written: recorded together at the next flush."""

    started_at: datetime | None = None
    finished_at: datetime | None = None
    counts: dict = field(default_factory=dict)
    runs: int = 0

    def add(self, started_at, finished_at, counts):
        self.started_at = self.started_at or started_at
        self.finished_at = finished_at
        for key, value in counts.items():
            if isinstance(value, int | float):
                self.counts[key] = self.counts.get(key, 0) + value
        self.runs += 1


@dataclass
class _Plan:
    job: Job
    next_run: datetime
    wakes: int = 0
    failures: int = 0
    last: dict | None = None  # the latest run, for the summary
    burst: _Burst = field(default_factory=_Burst)
    dirty: bool = False  # a frequent job's summary not yet written
    flushed_at: float = 0.0


class Runner:
    def __init__(
        self,
        jobs: list[Job] | None = None,
        *,
        holder: str | None = None,
        lease_seconds: float | None = None,
        renew_seconds: float | None = None,
        acquire_seconds: float | None = None,
        summary_seconds: float | None = None,
    ):
        self.holder = holder or process_identity()
        self._jobs = jobs
        self.lease = LeaseKeeper(
            name=LEASE_NAME, holder=self.holder, term=lease_seconds or _config("LEASE_SECONDS")
        )
        self.renew_seconds = renew_seconds or _config("RENEW_SECONDS")
        self.acquire_seconds = acquire_seconds or _config("ACQUIRE_SECONDS")
        self.summary_seconds = summary_seconds or _config("SUMMARY_SECONDS")
        self._cond = threading.Condition()
        self._poked = False
        self._plans: dict[str, _Plan] = {}
        self._leading = False
        self._stopping = threading.Event()
        self._jobs_done = threading.Event()
        self._threads: list[threading.Thread] = []

    # Control, from any thread

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._lease_loop, name="scheduler-lease", daemon=True),
            threading.Thread(target=self._job_loop, name="scheduler-jobs", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        logger.info("scheduler_started holder=%s", self.holder)

    def stop(self, timeout: float | None = None) -> None:
        """Finish the running job, record it, release the lease."""
        self._stopping.set()
        self._poke()
        for thread in self._threads:
            thread.join(timeout)
        logger.info("scheduler_stopped holder=%s", self.holder)

    def is_alive(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    @property
    def is_leader(self) -> bool:
        return self._leading and self.lease.held()

    def wake(self, name: str) -> None:
        with self._cond:
            plan = self._plans.get(name)
            if plan is None:
                return
            plan.wakes += 1
            plan.next_run = min(plan.next_run, now())
            self._poked = True
            self._cond.notify_all()

    def _poke(self) -> None:
        with self._cond:
            self._poked = True
            self._cond.notify_all()

    def _sleep(self, seconds: float) -> None:
        with self._cond:
            if not self._poked and not self._stopping.is_set():
                self._cond.wait(max(0.0, min(seconds, MAX_SLEEP)))
            self._poked = False

    # The lease thread

    def _lease_loop(self) -> None:
        try:
            # Keep renewing until the job thread has finished its last job.
            while not self._jobs_done.is_set():
                if self._stopping.is_set() and not self.lease.held():
                    break
                was_held = self.lease.held()
                held = self.lease.claim()
                if held != was_held:
                    self._poke()
                wait = self.renew_seconds if held else self.acquire_seconds
                self._jobs_done.wait(wait)
        finally:
            self.lease.release()
            connections.close_all()

    # The job thread

    def _job_loop(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    with (
                        cross_org()
                    ):  # jobs serve every organisation; the services they call scope themselves
                        self._step()
                except Exception:
                    # Whatever went wrong, the thread must not die: log, wait, go on.
                    logger.exception("scheduler_step_failed holder=%s", self.holder)
                    connection.close()
                    self._sleep(MAX_SLEEP)
            if self._leading:
                self._step_down("stopping")
        finally:
            self._jobs_done.set()
            connections.close_all()

    def _step(self) -> None:
        if not self.lease.held():
            if self._leading:
                self._step_down("lease lost")
            self._sleep(MAX_SLEEP)
            return
        if not self._leading and not self._take_office():
            self._sleep(MAX_SLEEP)
            return
        job = self._due_job()
        if job is not None:
            self._run(job)
        self._flush_summaries()
        if job is None:
            self._sleep(self._seconds_to_next())

    def _job_list(self) -> list[Job]:
        return list(self._jobs) if self._jobs is not None else registry.all_jobs()

    def _take_office(self) -> bool:
        """Plan every job from its recorded last run: a missed run is caught up once."""
        try:
            jobs = self._job_list()
            last = dict(
                JobState.objects.filter(job__in=[j.name for j in jobs]).values_list(
                    "job", "last_started_at"
                )
            )
            at = now()
            plans = {
                job.name: _Plan(job=job, next_run=job.schedule.first_run(last.get(job.name), at))
                for job in jobs
            }
            for plan in plans.values():
                services.job_state_save(
                    job=plan.job.name,
                    holder=self.holder,
                    next_run_at=plan.next_run,
                    updated_at=at,
                )
        except Exception as exc:
            logger.warning("scheduler_take_office_failed error=%s", exc)
            connection.close()
            return False
        with self._cond:
            self._plans = plans
            self._leading = True
        logger.info("scheduler_leading holder=%s jobs=%s", self.holder, ",".join(plans))
        return True

    def _step_down(self, reason: str) -> None:
        self._flush_summaries(force=True)
        with self._cond:
            self._plans = {}
            self._leading = False
        log = logger.info if self._stopping.is_set() else logger.warning
        log("scheduler_not_leading holder=%s reason=%s", self.holder, reason)

    def _due_job(self) -> Job | None:
        at = now()
        with self._cond:
            due = [plan for plan in self._plans.values() if plan.next_run <= at]
            if not due:
                return None
            return min(due, key=lambda plan: plan.next_run).job

    def _seconds_to_next(self) -> float:
        at = now()
        with self._cond:
            waits = [(plan.next_run - at).total_seconds() for plan in self._plans.values()]
        return min([MAX_SLEEP, *waits])

    def _run(self, job: Job) -> None:
        plan = self._plans[job.name]
        # A summed row covers consecutive runs of one job only, so no two rows overlap.
        for other in self._plans.values():
            if other is not plan and other.burst.runs:
                self._write(other, runs=self._take_burst(other))
        with self._cond:
            wakes = plan.wakes
        started_at, counts, error = now(), {}, ""
        try:
            counts = job.func() or {}
            if not isinstance(counts, dict):
                raise TypeError(f"job returned {type(counts).__name__}, not a dict of counts")
            # Stored as JSON: a date or a Decimal in the counts must not lose the record.
            counts = json.loads(json.dumps(counts, default=str))
        except Exception as exc:
            counts, error = {}, _describe(exc)
            logger.exception("job_failed job=%s holder=%s", job.name, self.holder)
            connection.close()  # a failed job may leave the connection unusable
        finished_at = now()
        result = JobResult.ERROR if error else JobResult.OK
        next_run = self._next_run(plan, started_at, finished_at, failed=bool(error))
        with self._cond:
            if plan.wakes != wakes:  # woken while running: what woke it is not done yet
                next_run = min(next_run, finished_at)
            plan.next_run = next_run
        self._record(plan, started_at, finished_at, result, counts, error)

    def _next_run(self, plan: _Plan, started_at, finished_at, *, failed: bool) -> datetime:
        schedule = plan.job.schedule
        if failed:
            plan.failures += 1
            backoff = min(MAX_BACKOFF, timedelta(seconds=2 ** (plan.failures - 1)))
            if isinstance(schedule, Continuous | NextDeadline):
                return finished_at + backoff
            return min(schedule.next_run(started_at, finished_at), finished_at + backoff)
        plan.failures = 0
        try:
            return schedule.next_run(started_at, finished_at)
        except Exception:
            # The deadline query failed: look again after the longest allowed wait.
            logger.exception("job_deadline_failed job=%s", plan.job.name)
            connection.close()
            return finished_at + getattr(schedule, "max_wait", timedelta(seconds=MAX_SLEEP))

    # Recording

    def _record(self, plan: _Plan, started_at, finished_at, result, counts, error) -> None:
        plan.last = {
            "last_started_at": started_at,
            "last_finished_at": finished_at,
            "last_result": result,
            "last_counts": counts,
            "last_error": error,
        }
        did_work = any(isinstance(v, int | float) and v for v in counts.values())
        if plan.job.is_frequent and not error:
            if did_work:
                plan.burst.add(started_at, finished_at, counts)
            plan.dirty = True
            return
        # Runs summed before this one are written first, so recorded runs stay in order.
        runs = [*self._take_burst(plan), (started_at, finished_at, result, counts, error, 1)]
        self._write(plan, runs=runs)

    def _take_burst(self, plan: _Plan) -> list[tuple]:
        burst, plan.burst = plan.burst, _Burst()
        if not burst.runs:
            return []
        return [(burst.started_at, burst.finished_at, JobResult.OK, burst.counts, "", burst.runs)]

    def _flush_summaries(self, *, force: bool = False) -> None:
        due = time.monotonic() - self.summary_seconds
        for plan in list(self._plans.values()):
            if plan.dirty and (force or plan.flushed_at <= due):
                self._write(plan, runs=self._take_burst(plan))

    def _write(self, plan: _Plan, *, runs) -> None:
        plan.dirty = False
        plan.flushed_at = time.monotonic()
        try:
            for started_at, finished_at, result, counts, error, count in runs:
                services.job_run_record(
                    job=plan.job.name,
                    holder=self.holder,
                    started_at=started_at,
                    finished_at=finished_at,
                    result=result,
                    counts=counts,
                    error=error,
                    runs=count,
                )
            services.job_state_save(
                job=plan.job.name,
                holder=self.holder,
                next_run_at=plan.next_run,
                updated_at=now(),
                **(plan.last or {}),
            )
        except Exception as exc:  # recording must never stop the runner
            logger.warning("job_record_failed job=%s error=%s", plan.job.name, exc)
            connection.close()


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc, limit=8))
    return text[-4000:]


# The process-wide runner

_runner: Runner | None = None
_runner_lock = threading.Lock()


def start(active: Runner | None = None) -> Runner:
    """Start this process's runner (a given one, or one from settings) unless one runs."""
    global _runner
    with _runner_lock:
        if _runner is None or not _runner.is_alive():
            _runner = active or Runner()
            _runner.start()
        return _runner


def stop(timeout: float | None = None) -> None:
    global _runner
    with _runner_lock:
        runner, _runner = _runner, None
    if runner is not None:
        runner.stop(timeout)


def current() -> Runner | None:
    return _runner


def wake(name: str) -> None:
    runner = _runner
    if runner is not None:
        runner.wake(name)
