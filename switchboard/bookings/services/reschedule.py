"""Rescheduling: a booking moves to another time (and perhaps another resource).

Staff capacity counts concurrent active assignments, not hours, so a new time changes no
one's workload; what a new time can break is the resource. The resource row is therefore
locked and its overlapping bookings counted again inside the transaction (lock → re-check →
write), in the fixed order booking → resource.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from switchboard.accounts.models import User
from switchboard.accounts.permissions import require
from switchboard.bookings import lock_objects
from switchboard.bookings.events import emit_booking_updated, emit_resource_status_updated
from switchboard.bookings.models import AuditAction, Booking
from switchboard.bookings.selectors import overlapping_bookings
from switchboard.bookings.services.audit import audit
from switchboard.bookings.services.booking import check_not_past
from switchboard.bookings.workflows import workflow
from switchboard.catalog.models import Resource
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, InvalidInput
from switchboard.common.tenancy import in_scope, org_scoped

logger = logging.getLogger(__name__)

KEEP = object()  # `resource=KEEP`: the booking keeps the resource it has


def _new_times(booking: Booking, starts_at: datetime, ends_at: datetime | None):
    if starts_at is None:
        raise InvalidInput({"starts_at": "A start time is required."})
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and timezone.is_naive(value):
            raise InvalidInput({field: "Give the time with its UTC offset."})
    if ends_at is None:
        ends_at = starts_at + (booking.ends_at - booking.starts_at)
    if ends_at <= starts_at:
        raise InvalidInput({"ends_at": "The end must be after the start."})
    return starts_at, ends_at


def _hold(resource: Resource, booking: Booking, starts_at, ends_at) -> None:
    resource = lock_objects.lock_resource(resource.pk)
    if not resource.is_active:
        raise InvalidInput({"resource": "This resource is not in use any more."})
    if resource.in_maintenance:
        raise Conflict("This resource is in maintenance.", resource_id=resource.pk)
    clash = overlapping_bookings(resource, starts_at, ends_at, exclude_pk=booking.pk).first()
    if clash is not None:
        raise Conflict("The resource is booked at that time.", booking_id=clash.pk)


@org_scoped
def booking_reschedule(
    *,
    booking: Booking,
    starts_at: datetime,
    ends_at: datetime | None = None,
    resource: Resource | None = KEEP,
    acting_user: User | None,
    note: str = "",
    allow_past: bool = False,
) -> Booking:
    """Move an active booking to `starts_at` (its length kept unless `ends_at` is given),
    optionally onto another resource (None: no resource). A finished booking is a 409; a new
    start in the past follows the same back-dating rule as a new booking."""
    resource = booking.resource if resource is KEEP else in_scope(resource)
    with transaction.atomic():
        booking = lock_objects.lock_booking(booking.pk)
        require(booking.organization, acting_user, "bookings.reschedule")
        if not workflow(booking.workflow).table.is_active(booking.status):
            raise Conflict("Only an active booking can be rescheduled.", status=booking.status)
        starts_at, ends_at = _new_times(booking, starts_at, ends_at)
        past = check_not_past(
            booking.organization, starts_at, allow_past=allow_past, acting_user=acting_user
        )
        if resource is not None:
            _hold(resource, booking, starts_at, ends_at)
        previous = {"starts_at": booking.starts_at, "ends_at": booking.ends_at}
        old_resource = booking.resource_id
        booking.starts_at, booking.ends_at, booking.resource = starts_at, ends_at, resource
        booking.updated_at = now()
        booking.save(update_fields=["starts_at", "ends_at", "resource", "updated_at"])
        audit(
            booking,
            AuditAction.UPDATED,
            acting_user,
            note=note,
            rescheduled_from=[previous["starts_at"].isoformat(), previous["ends_at"].isoformat()],
            rescheduled_to=[starts_at.isoformat(), ends_at.isoformat()],
            resource_from=old_resource,
            resource_to=booking.resource_id,
            **({"allow_past": True} if past else {}),
        )
        changed = ["starts_at", "ends_at"]
        if old_resource != booking.resource_id:
            changed.append("resource")
        emit_booking_updated(booking, "updated", changed=changed)
        moved = {old_resource, booking.resource_id} - {None}
        if moved:
            emit_resource_status_updated(booking.organization, moved)
    logger.info(
        "booking_rescheduled org=%s booking=%s starts_at=%s resource=%s",
        booking.organization.slug,
        booking.pk,
        starts_at.isoformat(),
        booking.resource_id,
    )
    return booking
