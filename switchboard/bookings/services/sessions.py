"""Timed sessions (seed 004): start and extend; the checks every session write shares.

A session is a booking of the `session` workflow on a resource. Its `ends_at` is the truth:
every read treats a session whose end has passed as over (`sessions_selectors`), and the
sweep (`sessions_sweep`) only makes that official. Ending early and cancelling are in
`sessions_end`. Every write goes through the bookings' transition engine, in one
transaction, with the booking row locked and its state checked again under the lock.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from switchboard.accounts.models import Organization, User
from switchboard.accounts.permissions import require
from switchboard.bookings import lock_objects
from switchboard.bookings.events import emit_booking_updated, emit_resource_status_updated
from switchboard.bookings.models import AuditAction, Booking
from switchboard.bookings.selectors import overlapping_bookings
from switchboard.bookings.services.audit import audit
from switchboard.bookings.services.booking import booking_create
from switchboard.bookings.workflows import Status
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.catalog.selectors import services_list
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, InvalidInput
from switchboard.common.hooks import Hooks
from switchboard.common.tenancy import in_scope, org_scoped

logger = logging.getLogger(__name__)

WALK_IN = "Walk-in"
# The PostgreSQL exclusion constraint (migration 0002): the database's own guard against
# two overlapping open sessions of one resource, behind the lock and re-check below.
OVERLAP_CONSTRAINT = "booking_session_no_overlap"

# Run on commit when a session gets a new, possibly earliest, end: the bookings' jobs
# (`bookings/jobs.py`) register the expiry job's wake-up here.
new_deadline = Hooks("session_new_deadline")


def config(key):
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
    limit = config("MAX_MINUTES")
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


def check_open(booking: Booking, at: datetime, verb: str) -> None:
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
    allow_past: bool = False,
    acting_user: User | None,
) -> Booking:
    """Start a session on `resource` now (or at `starts_at`, a session booked ahead, which
    holds the resource from its start) for `minutes`. A busy resource is 409. A start
    further back than the back-dating window needs `allow_past`, as any booking does.

    The bookings core locks the resource row and looks for an overlapping active booking
    under the lock; a session whose end has passed does not overlap a start at or after it,
    so a machine is free again the moment its session ends, swept or not.
    """
    require(organization, acting_user, "sessions.start")
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
                allow_past=allow_past,
                acting_user=acting_user,
            )
            emit_resource_status_updated(organization, [resource.pk])
            transaction.on_commit(new_deadline.run_safely)
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
            require(organization, acting_user, "sessions.extend")
            at = now()
            check_open(booking, at, "extended")
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
            )
            emit_booking_updated(booking, "updated", changed=["ends_at"])
            if booking.resource_id is not None:
                emit_resource_status_updated(organization, [booking.resource_id], at=at)
            transaction.on_commit(new_deadline.run_safely)
    except IntegrityError as exc:
        conflict = _conflict_from_constraint(exc, booking.resource)
        if conflict is None:
            raise
        raise conflict from exc
    return booking
