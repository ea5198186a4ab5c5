"""Timed sessions that finish before their end: ended early, or cancelled."""

from django.db import transaction

from switchboard.accounts.models import User
from switchboard.accounts.permissions import acting_role, require
from switchboard.bookings import lock_objects
from switchboard.bookings.events import emit_resource_status_updated, emit_session_completed
from switchboard.bookings.models import AuditAction, Booking
from switchboard.bookings.services.audit import audit
from switchboard.bookings.services.changes import apply_changes, check_may_change
from switchboard.bookings.services.sessions import check_open
from switchboard.bookings.workflows import Status
from switchboard.common.clock import now
from switchboard.common.errors import Conflict
from switchboard.common.tenancy import org_scoped


def _finishing(booking: Booking, acting_user: User | None, action: str, target: str, verb: str):
    """Lock an open session and check who may finish it: the booking, role, changes and
    the moment. Runs inside the caller's transaction."""
    booking = lock_objects.lock_booking(booking.pk)
    require(booking.organization, acting_user, action)
    role = acting_role(booking.organization, acting_user)
    changes = {"status": target}
    check_may_change(booking, role, acting_user, changes, False)
    at = now()
    check_open(booking, at, verb)
    return booking, role, changes, at


@org_scoped
def session_end(*, booking: Booking, acting_user: User | None, note: str = "") -> Booking:
    """End a running session now: its end becomes now and it is completed."""
    with transaction.atomic():
        booking, role, changes, at = _finishing(
            booking, acting_user, "sessions.end", Status.COMPLETED, "ended"
        )
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
        )
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
            emit_resource_status_updated(booking.organization, [booking.resource_id], at=at)
    return booking


@org_scoped
def session_cancel(*, booking: Booking, acting_user: User | None, note: str = "") -> Booking:
    """Cancel an open session (managers): it never counts as used."""
    with transaction.atomic():
        booking, role, changes, at = _finishing(
            booking, acting_user, "sessions.cancel", Status.CANCELLED, "cancelled"
        )
        apply_changes(
            booking, role=role, user=acting_user, changes=changes, strict_status=True, note=note
        )
        if booking.resource_id is not None:
            emit_resource_status_updated(booking.organization, [booking.resource_id], at=at)
    return booking
