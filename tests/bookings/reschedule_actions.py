"""The `bookings.reschedule` row of the permission table, as a callable for the walk in
`tests/accounts/test_permissions.py`."""

from datetime import timedelta

from switchboard.bookings import services
from tests.bookings.factories import START, book, car_wash


def _reschedule(org, user):
    booking = book(org, car_wash(org), None)
    later = START + timedelta(hours=2)
    done = services.booking_reschedule(
        booking=booking, starts_at=later, acting_user=user, allow_past=True
    )
    assert done.starts_at == later


RESCHEDULE_ACTIONS = {"bookings.reschedule": _reschedule}
