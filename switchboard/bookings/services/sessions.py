"""Timed sessions (seed 004): start, extend, end early, cancel, and make ends official.

A session is a booking of the `session` workflow on a resource. Its `ends_at` is the truth:
every read treats a session whose end has passed as over (`sessions_selectors`), and
`sessions_complete_due` — run by the `expire_sessions` job within a second of each end, by
the manual sync and by `manage.py sync_sessions` — only makes that official: the status
`completed`, the audit row and the events. Every write here goes through the bookings'
transition engine (`apply_changes`), in one transaction, with the booking row locked and
its state checked again under the lock.
"""

import fcntl
import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from switchboard.accounts.models import Organization, User
from switchboard.bookings import lock_objects
from switchboard.bookings.events import (
    emit_booking_updated,
    emit_resource_status_updated,
    emit_session_completed,
)
from switchboard.bookings.models import AuditAction, Booking
from switchboard.bookings.selectors import overlapping_bookings
from switchboard.bookings.services.booking import booking_create
from switchboard.bookings.services.changes import apply_changes, check_may_change
from switchboard.bookings.services.rules import acting_role, audit
from switchboard.bookings.sessions_selectors import (
    ACTIVE,
    due_sessions,
    resource_with_status,
)
from switchboard.bookings.workflows import MANAGERS_AND_JOBS, SYSTEM, Status
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.catalog.selectors import services_list
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, Forbidden, InvalidInput
from switchboard.common.tenancy import in_scope, org_scoped

logger = logging.getLogger(__name__)

WALK_IN = "Walk-in"
# The PostgreSQL exclusion constraint (migration 0002): the database's own guard against
# two overlapping open sessions of one resource, behind the lock and re-check below.
OVERLAP_CONSTRAINT = "booking_session_no_overlap"
# Any 64-bit number unique to this lock among the project's advisory locks.
SYNC_ADVISORY_KEY = 5_004_001

# What wakes the expiry job when a session gets a new, possibly earliest, end. The
# scheduler's wiring (`scheduler/jobs.py`) fills this; imports never flow the other way.
_deadline_hooks: list[Callable[[], None]] = []


def on_new_deadline(hook: Callable[[], None]) -> None:
    if hook not in _deadline_hooks:
        _deadline_hooks.append(hook)


def remove_deadline_hook(hook: Callable[[], None]) -> None:
    if hook in _deadline_hooks:
        _deadline_hooks.remove(hook)


def _new_deadline() -> None:
    """Runs on commit; must never raise into the caller."""
    for hook in list(_deadline_hooks):
        try:
            hook()
        except Exception:
            logger.exception("session_deadline_hook_failed")


def _config(key):
    return settings.SESSIONS[key]


def _minutes(value, field: str = "minutes") -> int:
    """Zero, negative, fractional, non-numbers and more than the limit are 400."""
    if isinstance(value, bool):
        raise InvalidInput({field: "Give a whole number of minutes."})
    try:
        minutes = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput({field: "Give a whole number of minutes."}) from exc
    if minutes != value and str(minutes) != str(value).strip():
        raise InvalidInput({field: "Give a whole number of minutes."})
    if minutes <= 0:
        raise InvalidInput({field: "Give a number of minutes above zero."})
    limit = _config("MAX_MINUTES")
    if minutes > limit:
        raise InvalidInput({field: f"A session runs at most {limit} minutes at a time."})
    return minutes


def _session_service(organization: Organization, service: Service | None) -> Service:
    if service is not None:
        service = in_scope(service)
        if service.workflow != Workflow.SESSION:
            raise InvalidInput({"service": "Choose a service of the session workflow."})
        return service
    found = services_list(organization, workflow=Workflow.SESSION).order_by("pk").first()
    if found is None:
        raise InvalidInput({"service": "This organisation offers no session service yet."})
    return found


def _check_open(booking: Booking, at: datetime, verb: str) -> None:
    """A session that is finished, or whose end has passed, cannot change any more."""
    if booking.workflow != Workflow.SESSION:
        raise InvalidInput({"booking": "This booking is not a session."})
    if booking.status != Status.ACTIVE:
        raise Conflict(
            f"A {booking.status} session cannot be {verb}.", status=booking.status, allowed=[]
        )
    if booking.ends_at <= at:
        # Over by its own end; the expiry job will write `completed` within a second.
        raise Conflict(
            f"This session ended at {booking.ends_at.isoformat()}; it cannot be {verb}.",
            status=Status.COMPLETED,
            allowed=[],
        )


def _check_manager(organization, acting_user, what: str) -> None:
    if acting_role(organization, acting_user) not in MANAGERS_AND_JOBS:
        raise Forbidden(f"Only owners and operators {what}.")


def _conflict_from_constraint(exc: IntegrityError, resource: Resource) -> Conflict | None:
    if OVERLAP_CONSTRAINT in str(exc):
        return Conflict("The resource is in use at that time.", resource_id=resource.pk)
    return None


@org_scoped
def session_start(
    *,
    organization: Organization,
    resource: Resource,
    minutes,
    service: Service | None = None,
    starts_at: datetime | None = None,
    customer: User | None = None,
    customer_name: str = "",
    customer_phone: str = "",
    acting_user: User | None,
) -> Booking:
    """Start a session on `resource` now (or at `starts_at`, a session booked ahead, which
    holds the resource from its start) for `minutes`. A busy resource is 409.

    The bookings core locks the resource row and looks for an overlapping active booking
    under the lock; a session whose end has passed does not overlap a start at or after it,
    so a machine is free again the moment its session ends, swept or not.
    """
    minutes = _minutes(minutes)
    resource = in_scope(resource)
    service = _session_service(organization, service)
    start = starts_at or now()
    try:
        with transaction.atomic():
            booking = booking_create(
                organization=organization,
                service=service,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                resource=resource,
                customer=customer,
                customer_name=customer_name or ("" if customer else WALK_IN),
                customer_phone=customer_phone,
                acting_user=acting_user,
            )
            emit_resource_status_updated(organization, [resource.pk])
            transaction.on_commit(_new_deadline)
    except IntegrityError as exc:
        conflict = _conflict_from_constraint(exc, resource)
        if conflict is None:
            raise
        raise conflict from exc
    logger.info(
        "session_started org=%s booking=%s resource=%s ends_at=%s",
        organization.slug,
        booking.pk,
        resource.pk,
        booking.ends_at.isoformat(),
    )
    return booking


@org_scoped
def session_extend(*, booking: Booking, minutes, acting_user: User | None) -> Booking:
    """Push the end of an open session back by `minutes`, if the resource is free then."""
    minutes = _minutes(minutes)
    try:
        with transaction.atomic():
            # Locks in the fixed order: booking, then resource.
            booking = lock_objects.lock_booking(booking.pk)
            organization = booking.organization
            _check_manager(organization, acting_user, "extend sessions")
            at = now()
            _check_open(booking, at, "extended")
            previous_end = booking.ends_at
            new_end = previous_end + timedelta(minutes=minutes)
            if booking.resource_id is not None:
                resource = lock_objects.lock_resource(booking.resource_id)
                clash = overlapping_bookings(
                    resource, previous_end, new_end, exclude_pk=booking.pk
                ).first()
                if clash is not None:
                    raise Conflict(
                        "The resource is booked before the new end.", booking_id=clash.pk
                    )
            booking.ends_at, booking.updated_at = new_end, at
            booking.save(update_fields=["ends_at", "updated_at"])
            audit(
                booking,
                AuditAction.UPDATED,
                acting_user,
                ends_at_from=previous_end.isoformat(),
                ends_at_to=new_end.isoformat(),
                extended_minutes=minutes,
            ).save()
            emit_booking_updated(booking, "updated", changed=["ends_at"])
            if booking.resource_id is not None:
                emit_resource_status_updated(organization, [booking.resource_id], at=at)
            transaction.on_commit(_new_deadline)
    except IntegrityError as exc:
        conflict = _conflict_from_constraint(exc, booking.resource)
        if conflict is None:
            raise
        raise conflict from exc
    return booking


@org_scoped
def session_end(*, booking: Booking, acting_user: User | None, note: str = "") -> Booking:
    """End a running session now: its end becomes now and it is completed."""
    with transaction.atomic():
        booking = lock_objects.lock_booking(booking.pk)
        organization = booking.organization
        role = acting_role(organization, acting_user)
        changes = {"status": Status.COMPLETED}
        check_may_change(booking, role, acting_user, changes, False)
        at = now()
        _check_open(booking, at, "ended")
        if booking.starts_at >= at:
            raise Conflict(
                "This session has not started yet; cancel it instead.",
                status=booking.status,
                allowed=[Status.CANCELLED],
            )
        planned_end = booking.ends_at
        booking.ends_at = at
        audit(
            booking,
            AuditAction.UPDATED,
            acting_user,
            ends_at_from=planned_end.isoformat(),
            ends_at_to=at.isoformat(),
            ended_early=True,
        ).save()
        apply_changes(
            booking,
            role=role,
            user=acting_user,
            changes=changes,
            strict_status=True,
            note=note or "Ended early.",
        )
        emit_session_completed(booking, reason="ended", at=at)
        if booking.resource_id is not None:
            emit_resource_status_updated(organization, [booking.resource_id], at=at)
    return booking


@org_scoped
def session_cancel(*, booking: Booking, acting_user: User | None, note: str = "") -> Booking:
    """Cancel an open session (managers): it never counts as used."""
    with transaction.atomic():
        booking = lock_objects.lock_booking(booking.pk)
        organization = booking.organization
        role = acting_role(organization, acting_user)
        changes = {"status": Status.CANCELLED}
        check_may_change(booking, role, acting_user, changes, False)
        at = now()
        _check_open(booking, at, "cancelled")
        apply_changes(
            booking, role=role, user=acting_user, changes=changes, strict_status=True, note=note
        )
        if booking.resource_id is not None:
            emit_resource_status_updated(organization, [booking.resource_id], at=at)
    return booking


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
        resources: dict[int, Organization] = {}
        completed = 0
        for booking in _lock_due(ids):
            if booking.status != Status.ACTIVE or booking.ends_at > at:
                continue
            apply_changes(
                booking,
                role=SYSTEM,
                user=None,
                changes={"status": Status.COMPLETED},
                strict_status=True,
                note="Ended at its time.",
            )
            emit_session_completed(booking, reason="expired", at=at)
            completed += 1
            if booking.resource_id is not None:
                resources[booking.resource_id] = booking.organization
        freed = 0
        for resource_id, org in sorted(resources.items()):
            emit_resource_status_updated(org, [resource_id], at=at)
            freed += resource_with_status(resource_id, at=at).status != ACTIVE
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
    limit = _config("EXPIRY_BATCH_SIZE")
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
        _check_manager(organization, acting_user, "run a session sync")
    wait = _config("SYNC_WAIT_SECONDS") if wait_seconds is None else wait_seconds
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


# The cross-process lock of sweeps: a PostgreSQL advisory lock, or on SQLite (one machine
# by nature) an flock on a file beside the database. Both are released by the operating
# system or the database if the process dies, so a crash never leaves it held.


class SyncRunning(Conflict):
    pass


def _sqlite_lock_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name and ":memory:" not in name and "mode=memory" not in name:
        return Path(f"{name}.sessions-sync.lock")
    digest = hashlib.sha1(name.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"switchboard-{digest}.sessions-sync.lock"


class _Lock:
    def __init__(self):
        self._file = None

    def try_acquire(self) -> bool:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [SYNC_ADVISORY_KEY])
                return bool(cursor.fetchone()[0])
        handle = open(_sqlite_lock_path(), "a")  # noqa: SIM115 - held until release
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SYNC_ADVISORY_KEY])
            return
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


@contextmanager
def sync_lock(*, wait_seconds: float):
    """Hold the sweep lock, waiting up to `wait_seconds`; else 409 "a sync is running"."""
    lock = _Lock()
    deadline = time.monotonic() + wait_seconds
    while not lock.try_acquire():
        if time.monotonic() >= deadline:
            raise SyncRunning("A session sync is running; try again shortly.", running=True)
        time.sleep(0.05)
    try:
        yield
    finally:
        lock.release()
