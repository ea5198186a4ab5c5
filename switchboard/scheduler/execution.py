"""Running one job and recording what it did.

A run's function is called, its counts checked, its next run planned from its schedule
(with back-off after an error). Every run of an ordinary job is a `JobRun` row;
high-frequency jobs (the relay, expiry) would write a row per idle tick, so their working
runs are summed into one row per burst and their summary is refreshed at most every
`summary_seconds`.
"""

import json
import logging
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction

from switchboard.common import metrics
from switchboard.common.clock import now
from switchboard.common.hooks import Hooks
from switchboard.common.sqlite_wait import WriteLockTaken, brief_lock_wait
from switchboard.scheduler import services
from switchboard.scheduler.models import JobResult
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Continuous, NextDeadline

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(seconds=60)
# SQLite: how long a frequent job's summary waits for the write lock before it is left
# for the lane's next step (`Recorder._write_unless_locked`).
SUMMARY_LOCK_WAIT_MS = 10
# A deadline job whose deadline query failed looks again after this, unless it says.
DEFAULT_RETRY = timedelta(seconds=1)

# Called with (job name, error text) after a job raised: the alerts app raises an alert.
failure_hooks = Hooks("job_failed")


@dataclass
class Burst:
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
class Plan:
    job: Job
    next_run: datetime
    wakes: int = 0
    failures: int = 0
    last: dict | None = None  # the latest run, for the summary
    burst: Burst = field(default_factory=Burst)
    dirty: bool = False  # a frequent job's summary not yet written
    flushed_at: float = 0.0


@dataclass(frozen=True)
class Outcome:
    started_at: datetime
    finished_at: datetime
    result: str
    counts: dict
    error: str


def execute(job: Job, holder: str) -> Outcome:
    """Call the job; whatever it raises becomes an error outcome, never the caller's."""
    started_at, counts, error = now(), {}, ""
    timer = time.perf_counter()
    try:
        counts = job.func() or {}
        if not isinstance(counts, dict):
            raise TypeError(f"job returned {type(counts).__name__}, not a dict of counts")
        # Stored as JSON: a date or a Decimal in the counts must not lose the record.
        counts = json.loads(json.dumps(counts, default=str))
    except Exception as exc:
        counts, error = {}, _describe(exc)
        logger.exception("job_failed job=%s holder=%s", job.name, holder)
        connection.close()  # a failed job may leave the connection unusable
        failure_hooks.run_safely(job.name, error)
        connection.close()
    result = JobResult.ERROR if error else JobResult.OK
    metrics.JOB_DURATION.labels(job.name).observe(time.perf_counter() - timer)
    metrics.JOB_RUNS.labels(job.name, result).inc()
    if error:
        metrics.JOB_FAILURES.labels(job.name).inc()
    return Outcome(started_at, now(), result, counts, error)


def next_run_after(plan: Plan, outcome: Outcome) -> datetime:
    schedule = plan.job.schedule
    started_at, finished_at = outcome.started_at, outcome.finished_at
    if outcome.error:
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
        return finished_at + getattr(schedule, "max_wait", DEFAULT_RETRY)


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc, limit=8))
    return text[-4000:]


class Recorder:
    """Writes runs and job summaries for one holder; a failure to write never stops it."""

    def __init__(self, *, holder: str, summary_seconds: float):
        self.holder = holder
        self.summary_seconds = summary_seconds

    def record(self, plan: Plan, outcome: Outcome) -> None:
        plan.last = {
            "last_started_at": outcome.started_at,
            "last_finished_at": outcome.finished_at,
            "last_result": outcome.result,
            "last_counts": outcome.counts,
            "last_error": outcome.error,
        }
        counts = outcome.counts
        did_work = any(isinstance(v, int | float) and v for v in counts.values())
        if plan.job.is_frequent and not outcome.error:
            if did_work:
                plan.burst.add(outcome.started_at, outcome.finished_at, counts)
            plan.dirty = True
            return
        # Runs summed before this one are written first, so recorded runs stay in order.
        this_run = (
            outcome.started_at,
            outcome.finished_at,
            outcome.result,
            counts,
            outcome.error,
            1,
        )
        self.write(plan, runs=[*self._take_burst(plan), this_run])

    def flush_bursts(self, plans: Iterable[Plan], *, before: Plan) -> None:
        """Write other jobs' summed runs before `before` runs: a summed row covers
        consecutive runs of one job only, so no two recorded rows overlap."""
        for other in plans:
            if other is not before and other.burst.runs:
                self.write(other, runs=self._take_burst(other))

    def flush_summaries(self, plans: Iterable[Plan], *, force: bool = False) -> None:
        due = time.monotonic() - self.summary_seconds
        for plan in list(plans):
            if plan.dirty and force:
                self.write(plan, runs=self._take_burst(plan))
            elif plan.dirty and plan.flushed_at <= due:
                self._write_unless_locked(plan)

    def _write_unless_locked(self, plan: Plan) -> None:
        """A frequent job's summary can wait; its lane cannot. On SQLite, when the write
        lock stays taken (a sweep committing batch after batch), keep the summary and the
        summed runs for the lane's next step instead of queueing: the relay once waited
        seconds here while events queued behind it."""
        burst = plan.burst
        try:
            with brief_lock_wait(SUMMARY_LOCK_WAIT_MS), transaction.atomic():
                self._store(plan, runs=self._take_burst(plan))
        except WriteLockTaken:
            plan.burst, plan.dirty = burst, True  # nothing was written: all of it later
        except Exception as exc:  # recording must never stop the runner
            logger.warning("job_record_failed job=%s error=%s", plan.job.name, exc)
            connection.close()

    def _take_burst(self, plan: Plan) -> list[tuple]:
        burst, plan.burst = plan.burst, Burst()
        if not burst.runs:
            return []
        return [(burst.started_at, burst.finished_at, JobResult.OK, burst.counts, "", burst.runs)]

    def write(self, plan: Plan, *, runs) -> None:
        try:
            self._store(plan, runs=runs)
        except Exception as exc:  # recording must never stop the runner
            logger.warning("job_record_failed job=%s error=%s", plan.job.name, exc)
            connection.close()

    def _store(self, plan: Plan, *, runs) -> None:
        plan.dirty = False
        plan.flushed_at = time.monotonic()
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
