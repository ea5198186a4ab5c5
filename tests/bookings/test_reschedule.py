"""`booking_reschedule`: a new time (and perhaps resource), the resource re-checked under its
lock, an audit row and the events; every refusal changes nothing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from switchboard.common.tenancy import cross_org
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.factories import START, book, car_wash, payloads, staff_with
from tests.catalog.factories import ResourceFactory
from tests.support.wait import TIMEOUT

THREADS = 8


def test_a_new_time_keeps_the_length_and_is_audited_and_announced(org, operator, capture_events):
    washer = staff_with(org, "employee")
    bay = ResourceFactory(organization=org)
    booking = book(org, car_wash(org), operator, assignee=washer, resource=bay)
    length = booking.ends_at - booking.starts_at
    events = capture_events()
    later = START + timedelta(hours=3)
    moved = services.booking_reschedule(
        booking=booking, starts_at=later, acting_user=operator, allow_past=True
    )
    assert (moved.starts_at, moved.ends_at) == (later, later + length)
    row = BookingTransition.objects.filter(booking=booking).last()
    assert row.action == "updated" and row.by == operator
    assert row.data["rescheduled_to"][0] == later.isoformat()
    [update] = payloads(events, "booking-updated")
    assert (update["booking_id"], update["changed"]) == (booking.pk, ["ends_at", "starts_at"])
    assert "private-org-acme.managers" in events.channels("booking-updated")
    assert [p["resource_id"] for p in payloads(events, "resource-status-updated")] == [bay.pk]


def test_a_clash_on_the_resource_is_a_409_and_changes_nothing(org, operator):
    bay = ResourceFactory(organization=org)
    wash = car_wash(org)
    book(org, wash, operator, resource=bay)
    later = book(org, wash, operator, at=START + timedelta(hours=4), resource=bay)
    with pytest.raises(Conflict):
        services.booking_reschedule(
            booking=later, starts_at=START, acting_user=operator, allow_past=True
        )
    later.refresh_from_db()
    assert later.starts_at == START + timedelta(hours=4)
    assert not BookingTransition.objects.filter(booking=later, action="updated").exists()
    # Onto another resource at that time it fits.
    other = ResourceFactory(organization=org)
    services.booking_reschedule(
        booking=later, starts_at=START, resource=other, acting_user=operator, allow_past=True
    )
    later.refresh_from_db()
    assert (later.starts_at, later.resource) == (START, other)


def test_refusals(org, operator, customer, other_org):
    booking = book(org, car_wash(org), operator)
    with pytest.raises(Forbidden):
        services.booking_reschedule(booking=booking, starts_at=START, acting_user=customer)
    foreign = ResourceFactory(organization=other_org)
    with pytest.raises(NotFound):
        services.booking_reschedule(
            booking=booking,
            starts_at=START,
            resource=foreign,
            acting_user=operator,
            allow_past=True,
        )
    services.booking_transition(booking=booking, status="cancelled", acting_user=operator)
    with pytest.raises(Conflict):
        services.booking_reschedule(
            booking=booking, starts_at=START + timedelta(hours=1), acting_user=operator
        )
    booking.refresh_from_db()
    assert (booking.starts_at, booking.resource) == (START, None)


@pytest.mark.django_db(transaction=True)
def test_threads_moving_bookings_onto_one_slot_of_a_resource_leave_one_there():
    """Eight operators move eight bookings of one bay onto the same hour at once: the bay's
    row lock and the re-count under it let exactly one through; the others are 409s and
    stay where they were. (On PostgreSQL the exclusion constraint would also refuse.)"""
    org = OrganizationFactory(slug="rush-bay")
    operator = MembershipFactory(organization=org, role="operator").user
    bay = ResourceFactory(organization=org)
    wash = car_wash(org, duration_minutes=30)
    bookings = [
        book(org, wash, operator, at=START + timedelta(hours=2 + n), resource=bay)
        for n in range(THREADS)
    ]
    start_line = threading.Barrier(THREADS)
    results = []

    def move(booking):
        start_line.wait()
        try:
            services.booking_reschedule(
                booking=booking, starts_at=START, acting_user=operator, allow_past=True
            )
            results.append("moved")
        except Conflict:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(b,)) for b in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert sorted(results) == ["moved"] + ["refused"] * (THREADS - 1)
    with cross_org():
        assert Booking.objects.filter(resource=bay, starts_at=START).count() == 1


def test_a_new_start_in_the_past_follows_the_back_dating_rule(org, operator):
    """As for a new booking: refused (400, nothing changed) unless an owner or operator passes
    `allow_past`, which the audit row keeps."""
    booking = book(org, car_wash(org), operator)
    earlier = START - timedelta(hours=2)
    with pytest.raises(InvalidInput):
        services.booking_reschedule(booking=booking, starts_at=earlier, acting_user=operator)
    booking.refresh_from_db()
    assert booking.starts_at == START
    services.booking_reschedule(
        booking=booking, starts_at=earlier, acting_user=operator, allow_past=True
    )
    row = BookingTransition.objects.filter(booking=booking, action="updated").get()
    assert row.data["allow_past"] is True
