"""`represent` answers exactly what the serializer's own `.data` answers, row after row,
with its fields built once."""

from datetime import timedelta

from switchboard.bookings.api.serializers import BookingSerializer, CustomerBookingSerializer
from switchboard.bookings.selectors import booking_read
from switchboard.common.api import represent
from switchboard.common.clock import now
from switchboard.common.tenancy import org_scope
from tests.bookings.factories import book, car_wash, staff_with


def test_answers_equal_the_serializers_for_different_rows(org, operator):
    staff_with(org, "employee")
    wash = car_wash(org)
    made = [
        book(org, wash, operator, at=now() + timedelta(hours=1), auto_assign=True),
        book(org, wash, operator, at=now() + timedelta(hours=2), notes="Back door"),
    ]
    with org_scope(org):
        rows = [booking_read(org, b.pk) for b in made]
    for serializer in (BookingSerializer, CustomerBookingSerializer):
        for row in rows + rows:  # again: nothing of one row stays for the next
            assert represent(serializer, row) == serializer(row).data
    assert represent(BookingSerializer, rows[0])["assignee"] is not None
    assert represent(BookingSerializer, rows[1])["assignee"] is None
