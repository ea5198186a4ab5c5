"""What `/health` and the admin read: the lease row and each job's summary.

Answered from the database alone, so any process (a web worker that runs no jobs, or the
leader itself) gives the same, true answer.
"""

from switchboard.scheduler import registry
from switchboard.scheduler.dbclock import database_now
from switchboard.scheduler.lease import LEASE_NAME
from switchboard.scheduler.models import JobState, Lease


def _iso(value):
    return value.isoformat() if value is not None else None


def _last_line(text: str) -> str | None:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else None


def scheduler_status() -> dict:
    """`{isRunning, leader, leaseExpiresAt, jobs: {name: {lastRun, lastResult, nextRun, ...}}}`.

    `nextRun` is given only while some process leads: without a leader nothing will run.
    """
    at = database_now()
    lease = Lease.objects.filter(name=LEASE_NAME).first()
    live = lease is not None and bool(lease.holder) and lease.expires_at > at
    states = {state.job: state for state in JobState.objects.all()}
    schedules = {job.name: job.schedule.describe() for job in registry.all_jobs()}
    jobs = {}
    for name in sorted(schedules.keys() | states.keys()):
        state = states.get(name)
        jobs[name] = {
            "schedule": schedules.get(name),
            "lastRun": _iso(state and state.last_started_at),
            "lastFinished": _iso(state and state.last_finished_at),
            "lastResult": (state.last_result or None) if state else None,
            "lastCounts": state.last_counts if state else {},
            "lastError": _last_line(state.last_error) if state else None,
            "nextRun": _iso(state.next_run_at) if state and live else None,
        }
    return {
        "isRunning": live,
        "leader": lease.holder if live else None,
        "leaseExpiresAt": _iso(lease.expires_at) if live else None,
        "jobs": jobs,
    }
