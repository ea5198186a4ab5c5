"""The one registry of jobs: a name, a schedule and an idempotent function.

A job function takes no arguments, calls service functions in bounded batches and returns
its counts as a dict (`{"published": 12}`); running it twice changes nothing the second
time. Each app declares its jobs in its own `jobs.py` and registers them from its
`AppConfig.ready()`; the scheduler's own are in `switchboard.scheduler.jobs`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from switchboard.scheduler.schedules import Continuous, NextDeadline, Schedule

JobFunction = Callable[[], dict | None]


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    func: JobFunction
    # High-frequency jobs (the relay, expiry) would write a row per idle tick; they record
    # only runs that did something, and errors, and keep the per-job summary fresh.
    record_idle_runs: bool = True
    # Jobs of one lane run one at a time, in that lane's thread; lanes run side by side.
    # The relay has a lane of its own, so a long job never holds events back.
    lane: str = "main"

    @property
    def is_frequent(self) -> bool:
        return not self.record_idle_runs


_jobs: dict[str, Job] = {}


def register(
    name: str,
    schedule: Schedule,
    func: JobFunction,
    *,
    record_idle_runs: bool | None = None,
    lane: str = "main",
) -> Job:
    """Add or replace a job. Continuous and deadline jobs record only runs that did work."""
    if record_idle_runs is None:
        record_idle_runs = not isinstance(schedule, Continuous | NextDeadline)
    job = Job(name=name, schedule=schedule, func=func, record_idle_runs=record_idle_runs, lane=lane)
    _jobs[name] = job
    return job


def unregister(name: str) -> None:
    _jobs.pop(name, None)


def get(name: str) -> Job | None:
    return _jobs.get(name)


def all_jobs() -> list[Job]:
    return list(_jobs.values())
