"""Making session ends official: the sweep, the manual sync and the lock they share.

`sessions_complete_due` is run by the `expire_sessions` job within a second of each end,
by the manual sync and by `manage.py sync_sessions`. Reads already treat a session whose
end has passed as over; the sweep writes `completed`, the audit row and the events.
"""

import logging
import time
from datetime import datetime

from django.db import transaction

from switchboard.accounts.models import Organization, User
from switchboard.accounts.permissions import require
from switchboard.bookings.models import Booking
from switchboard.bookings.services.sessions import config
from switchboard.bookings.services.sessions_batch import complete_expired
from switchboard.bookings.sessions_selectors import due_sessions
from switchboard.bookings.workflows import Status
from switchboard.common.clock import now
from switchboard.common.locking import LockBusy, ProcessLock

logger = logging.getLogger(__name__)

# One sweep at a time, across every process: the job, the endpoints and the command.
SYNC_LOCK = ProcessLock(name="sessions-sync", advisory_key=5_004_001)


class SyncRunning(LockBusy):
    default_message = "A session sync is running; try again shortly."


def sync_lock(*, wait_seconds: float):
    """Hold the sweep lock, waiting up to `wait_seconds`; else 409 "a sync is running"."""
    return SYNC_LOCK.hold(wait_seconds=wait_seconds, busy=SyncRunning)


def _lock_due(ids) -> list[Booking]:
    """The due sessions, re-read under their row locks in id order (one statement)."""
    return list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("service", "resource", "organization", "assignee", "driver")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )


def _complete_batch(*, at: datetime, organization, limit: int) -> tuple[int, int, int]:
    """Complete up to `limit` sessions whose end has passed, in one transaction.

    Returns (completed, resources freed, rows looked at). Re-checked under the lock, so a
    session ended, extended or completed meanwhile by anyone else is left alone: each
    session is completed exactly once.
    """
    with transaction.atomic():
        ids = list(
            due_sessions(at=at, organization=organization).values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return 0, 0, 0
        due = [b for b in _lock_due(ids) if b.status == Status.ACTIVE and b.ends_at <= at]
        completed, freed = complete_expired(due, at=at)
    return completed, freed, len(ids)


def sessions_complete_due(
    *,
    organization: Organization | None = None,
    at: datetime | None = None,
    max_batches: int | None = None,
) -> dict:
    """Make official every session whose end has passed, one transaction per batch.

    Returns the counts, and `more: 1` when `max_batches` ran out with sessions still due.
    The caller holds `sync_lock`, so two sweeps never run at once.
    """
    limit = config("EXPIRY_BATCH_SIZE")
    totals = {"completed": 0, "resources_freed": 0, "batches": 0, "more": 0}
    while max_batches is None or totals["batches"] < max_batches:
        completed, freed, seen = _complete_batch(
            at=at or now(), organization=organization, limit=limit
        )
        if seen:
            totals["batches"] += 1
        totals["completed"] += completed
        totals["resources_freed"] += freed
        if seen < limit:
            return totals
    totals["more"] = 1
    return totals


def sessions_sync(
    *,
    organization: Organization | None,
    acting_user: User | None,
    wait_seconds: float | None = None,
) -> dict:
    """The manual sync (endpoint and command): complete what is due now, exclusively.

    If a sync (or the expiry job) is running in any process, wait up to `wait_seconds`
    (SESSIONS["SYNC_WAIT_SECONDS"]) for it, then answer 409 that one is running.
    """
    if organization is not None:
        require(organization, acting_user, "sessions.sync")
    wait = config("SYNC_WAIT_SECONDS") if wait_seconds is None else wait_seconds
    started = time.monotonic()
    with sync_lock(wait_seconds=wait):
        waited = time.monotonic() - started
        counts = sessions_complete_due(organization=organization)
    counts["waited_ms"] = round(waited * 1000)
    logger.info(
        "sessions_synced org=%s completed=%d freed=%d",
        organization.slug if organization else "*",
        counts["completed"],
        counts["resources_freed"],
    )
    return counts
