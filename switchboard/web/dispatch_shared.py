"""What the dispatch pages share: the permission rows they are gated by, and small lookups
that turn a form's ids into rows of this organisation (404 for anything else)."""

from datetime import datetime

from switchboard.bookings.selectors import bookings_visible
from switchboard.bookings.workflows import Status
from switchboard.common.errors import NotFound
from switchboard.dispatch.models import PickupOffer, PickupRequest
from switchboard.staff.selectors import staff_list

# The board is the managers' page; the driver view and the therapist's card are any
# worker's (each shows only the person's own work).
BOARD_ACTION = "dispatch.view_all"
WORKER_ACTION = "dispatch.view"


def int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def booking_for(org, user, booking_id: int | None):
    """A booking `user` may see (a manager: any; staff: their own), or NotFound."""
    booking = None
    if booking_id is not None:
        booking = bookings_visible(org, user).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def staff_member(org, staff_id: int | None):
    found = None
    if staff_id is not None:
        found = staff_list(org).filter(pk=staff_id).first()
    if found is None:
        raise NotFound("No such driver.")
    return found


def offer_for(org, driver, offer_id: int | None):
    """An offer made to `driver` (another driver's offer does not exist for them)."""
    found = None
    if offer_id is not None:
        found = PickupOffer.objects.for_org(org).filter(pk=offer_id, driver=driver).first()
    if found is None:
        raise NotFound("No such offer.")
    return found


def pickup_request_of(org, booking_id: int | None):
    """The pickup request of a booking, for ETAs towards it (None when there is none)."""
    if booking_id is None:
        return None
    return PickupRequest.objects.filter(organization=org, booking_id=booking_id).first()


def clock_time(value, org) -> str:
    """An ISO time (or datetime) as HH:MM in the organisation's zone; '' when absent."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    return value.astimezone(org.tzinfo).strftime("%H:%M")


def iso(value) -> str:
    if not value:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value.replace("_", " ")
