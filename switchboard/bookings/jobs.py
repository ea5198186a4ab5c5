"""The bookings app's jobs and audit checks, registered from `BookingsConfig.ready()`.

`expire_sessions` runs at the next session end (`next_deadline`) and at least every
second, and at once when a process becomes leader (catch-up after downtime), in a lane
(thread) of its own. It is
idempotent: a session already completed is not due any more, so a second run finds nothing.
"""

from datetime import datetime, timedelta

from django.conf import settings

from switchboard.bookings.services import sessions
from switchboard.bookings.services.sessions_sweep import (
    SyncRunning,
    sessions_complete_due,
    sync_lock,
)
from switchboard.bookings.sessions_selectors import (
    due_sessions,
    next_session_end,
    overdue_sessions,
)
from switchboard.common.clock import now
from switchboard.scheduler import audit, registry, runner
from switchboard.scheduler.schedules import NextDeadline

EXPIRY_JOB = "expire_sessions"
EXPIRY_LANE = "sessions"
# The job waits at most this long for a manual sync that holds the lock, then tries later.
JOB_LOCK_WAIT_SECONDS = 0.5


def next_deadline() -> datetime | None:
    return next_session_end()


def expire_sessions() -> dict:
    """Complete every session whose end has passed, a bounded number of batches per run."""
    if not due_sessions(at=now()).exists():
        return {"completed": 0, "resources_freed": 0}
    try:
        with sync_lock(wait_seconds=JOB_LOCK_WAIT_SECONDS):
            counts = sessions_complete_due(max_batches=settings.SESSIONS["EXPIRY_MAX_BATCHES"])
    except SyncRunning:
        # A manual sync is doing this work right now; the next run sees what is left.
        return {"completed": 0, "resources_freed": 0, "lock_busy": 1}
    return counts


def sessions_overdue_check() -> tuple[int, list[str]]:
    """Audit: sessions still `active` well after their end — the sweep is late or stuck.

    Reported, never fixed: reads already treat them as ended, and the fix is the sweep.
    """
    late = settings.SESSIONS["LATE_SECONDS"]
    cutoff = now() - timedelta(seconds=late)
    overdue = overdue_sessions(ended_before=cutoff)
    examples = [
        f"booking={pk} org={org} ends_at={ends_at.isoformat()}"
        for pk, org, ends_at in overdue.values_list("pk", "organization__slug", "ends_at")[:5]
    ]
    return overdue.count(), examples


def wake_expiry() -> None:
    """What a commit that gave a session a new end calls: expiry looks again now."""
    runner.wake(EXPIRY_JOB)


def register() -> None:
    registry.register(
        EXPIRY_JOB,
        NextDeadline(
            next_deadline,
            max_wait=timedelta(seconds=settings.SESSIONS["EXPIRY_MAX_WAIT_SECONDS"]),
        ),
        expire_sessions,
        # Its own lane: sessions end on time even while a long job (slot generation, a
        # webhook endpoint that is slow to answer) holds the main one.
        lane=EXPIRY_LANE,
    )
    audit.register_check("sessions_overdue", sessions_overdue_check)
    # A session started or extended may end before the deadline the runner knows.
    sessions.new_deadline.register(wake_expiry)
