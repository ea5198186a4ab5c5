"""The jobs Switchboard runs, and the audit checks `audit_invariants` runs.

This is the one place that wires app functions into the scheduler: imports flow from
here to the apps, never back. A later app adds its job with `registry.register(...)` in
`register_jobs` and its audit checks with `audit.register_check(...)` in `register_checks`.
"""

from datetime import timedelta

from django.conf import settings

from switchboard.bookings import jobs as bookings_jobs
from switchboard.bookings.services import sessions as session_services
from switchboard.common.clock import now
from switchboard.realtime import relay
from switchboard.scheduler import audit, registry, runner, services
from switchboard.scheduler.schedules import Continuous, DailyAt, Every, NextDeadline

RELAY_JOB = "relay_outbox"
# One relay run publishes at most this many batches, then lets other due jobs go first.
RELAY_MAX_BATCHES = 20


def wake_relay() -> None:
    """What a commit that wrote outbox rows calls: the relay runs now, if this process leads."""
    runner.wake(RELAY_JOB)


def wake_expiry() -> None:
    """What a commit that gave a session a new end calls: expiry looks again now."""
    runner.wake(bookings_jobs.EXPIRY_JOB)


def relay_outbox() -> dict:
    published = 0
    for _ in range(RELAY_MAX_BATCHES):
        count = relay.relay_pending(limit=relay.BATCH_SIZE)
        published += count
        if count < relay.BATCH_SIZE:
            return {"published": published}
    relay.nudge()  # more are waiting: run again as soon as the runner is free
    return {"published": published}


def prune_outbox() -> dict:
    """Drop published events older than the replay window (REALTIME_REPLAY_RETENTION_HOURS)."""
    retention = timedelta(hours=settings.REALTIME["REPLAY_RETENTION_HOURS"])
    return {"deleted": relay.prune_published(older_than=now() - retention)}


def prune_job_runs() -> dict:
    retention = timedelta(days=settings.SCHEDULER["JOB_RUN_RETENTION_DAYS"])
    return {"deleted": services.job_runs_prune(older_than=now() - retention)}


def audit_invariants() -> dict:
    return audit.run_checks()


def register_checks() -> None:
    stuck_after = timedelta(seconds=settings.SCHEDULER["OUTBOX_STUCK_SECONDS"])
    audit.register_check("outbox_skipped_events", relay.outbox_skipped_events)
    audit.register_check("outbox_published_out_of_order", relay.outbox_published_out_of_order)
    audit.register_check("outbox_stuck", lambda: relay.outbox_stuck(older_than=now() - stuck_after))
    audit.register_check("sessions_overdue", bookings_jobs.sessions_overdue_check)


def register_jobs() -> None:
    config = settings.SCHEDULER
    daily_zone = config["TIME_ZONE"]
    registry.register(
        RELAY_JOB,
        Continuous(poll=timedelta(seconds=config["RELAY_POLL_SECONDS"])),
        relay_outbox,
    )
    registry.register("prune_outbox", DailyAt.parse(config["PRUNE_AT"], daily_zone), prune_outbox)
    registry.register(
        "prune_job_runs", DailyAt.parse(config["PRUNE_AT"], daily_zone), prune_job_runs
    )
    registry.register("audit_invariants", Every(timedelta(hours=1)), audit_invariants)
    registry.register(
        bookings_jobs.EXPIRY_JOB,
        NextDeadline(
            bookings_jobs.next_deadline,
            max_wait=timedelta(seconds=settings.SESSIONS["EXPIRY_MAX_WAIT_SECONDS"]),
        ),
        bookings_jobs.expire_sessions,
    )
    # A session started or extended may end before the deadline the runner knows.
    session_services.on_new_deadline(wake_expiry)
    register_checks()
