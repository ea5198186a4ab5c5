"""The real-time app's jobs and audit checks, registered from `RealtimeConfig.ready()`.

`relay_outbox` publishes committed outbox events in order: woken on commit in the leading
process (`relay.nudge`) and polling as a fallback for commits made elsewhere. It runs in
the scheduler's `relay` lane, its own thread, so a long expiry sweep does not delay it.
`prune_outbox` drops published events older than the replay window. The checks report an
outbox whose order or progress is broken.
"""

from datetime import timedelta

from django.conf import settings

from switchboard.common.clock import now
from switchboard.realtime import relay, wakeups
from switchboard.scheduler import audit, registry, runner
from switchboard.scheduler.schedules import Continuous, DailyAt

RELAY_JOB = "relay_outbox"
PRUNE_JOB = "prune_outbox"
# One relay run publishes at most this many batches, then lets other due jobs go first.
RELAY_MAX_BATCHES = 20


def wake_relay() -> None:
    """What a commit that wrote outbox rows calls: the relay runs now, if this process leads."""
    runner.wake(RELAY_JOB)


# What this process's relay handed over and has not marked yet (SQLite: the mark waits
# for no write lock while there is more to publish; `relay.Unmarked`).
_unmarked = relay.Unmarked()


def relay_outbox() -> dict:
    wakeups.ensure_listening()  # commits in other processes wake this one
    published = 0
    for _ in range(RELAY_MAX_BATCHES):
        count = relay.relay_pending(limit=relay.BATCH_SIZE, unmarked=_unmarked)
        published += count
        if count < relay.BATCH_SIZE:
            return {"published": published}
    relay.nudge()  # more are waiting: run again as soon as the runner is free
    return {"published": published}


def prune_outbox() -> dict:
    """Drop published events older than the replay window (REALTIME_REPLAY_RETENTION_HOURS)."""
    retention = timedelta(hours=settings.REALTIME["REPLAY_RETENTION_HOURS"])
    return {"deleted": relay.prune_published(older_than=now() - retention)}


def outbox_stuck_check() -> tuple[int, list[str]]:
    stuck_after = timedelta(seconds=settings.SCHEDULER["OUTBOX_STUCK_SECONDS"])
    return relay.outbox_stuck(older_than=now() - stuck_after)


def register() -> None:
    config = settings.SCHEDULER
    registry.register(
        RELAY_JOB,
        Continuous(poll=timedelta(seconds=config["RELAY_POLL_SECONDS"])),
        relay_outbox,
        lane="relay",  # beside long jobs, never behind them
    )
    registry.register(
        PRUNE_JOB, DailyAt.parse(config["PRUNE_AT"], config["TIME_ZONE"]), prune_outbox
    )
    audit.register_check("outbox_skipped_events", relay.outbox_skipped_events)
    audit.register_check("outbox_published_out_of_order", relay.outbox_published_out_of_order)
    audit.register_check("outbox_stuck", outbox_stuck_check)
    # A commit that wrote outbox rows wakes the relay at once, when this process leads.
    relay.nudge_hooks.register(wake_relay)
