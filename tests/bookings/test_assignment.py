"""Manual, automatic, re- and un-assignment, with capacity held by lock → re-count → write."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.selectors import unassigned_bookings
from switchboard.common import clock
from switchboard.common.errors import Conflict, Forbidden, InvalidInput
from switchboard.realtime.models import OutboxEvent
from tests.bookings.factories import START, book, car_wash, massage, payloads, staff_with


def fill(org, operator, service, staff, n):
    return [book(org, service, operator, assignee=staff) for _ in range(n)]


def test_assigning_a_full_person_is_409_unless_the_operator_overrides(org, operator, workload):
    service = car_wash(org)
    washer = staff_with(org, "employee", capacity=2)
    fill(org, operator, service, washer, 2)
    extra = book(org, service, operator)
    before = (
        model_to_dict(Booking.objects.get(pk=extra.pk)),
        BookingTransition.objects.count(),
        OutboxEvent.objects.count(),
    )
    with pytest.raises(Conflict) as full:
        services.booking_assign(booking=extra, assignee=washer, acting_user=operator)
    assert full.value.as_dict() | {"detail": ""} == {
        "detail": "",
        "staff_id": washer.pk,
        "current_assignments": 2,
        "capacity": 2,
    }
    after = (
        model_to_dict(Booking.objects.get(pk=extra.pk)),
        BookingTransition.objects.count(),
        OutboxEvent.objects.count(),
    )
    assert after == before
    services.booking_assign(
        booking=extra, assignee=washer, acting_user=operator, override_capacity=True
    )
    row = BookingTransition.objects.filter(booking=extra, action="assigned").get()
    assert row.data["override_capacity"] is True and row.data["assignee_to"] == washer.pk
    assert workload(washer) == (3, "busy")


def test_creating_with_a_full_assignee_is_409_too(org, operator):
    service = car_wash(org)
    washer = staff_with(org, "employee", capacity=1)
    fill(org, operator, service, washer, 1)
    with pytest.raises(Conflict):
        book(org, service, operator, assignee=washer)
    assert Booking.objects.count() == 1


def test_staff_cannot_override_capacity(org, operator):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer)
    with pytest.raises(Forbidden):
        services.booking_update(
            booking=booking, notes="x", override_capacity=True, acting_user=washer.user
        )


def test_auto_assign_picks_the_least_loaded_qualified_person(org, operator):
    service = car_wash(org)
    busy, idle = staff_with(org, "employee"), staff_with(org, "employee")
    staff_with(org, "cook")  # not qualified, and idle
    fill(org, operator, service, busy, 1)
    booking = book(org, service, operator, auto_assign=True)
    assert booking.assignee == idle
    row = BookingTransition.objects.get(booking=booking)
    assert row.data["automatic"] is True


def test_a_tie_goes_to_whoever_has_waited_longest(org, operator):
    service = car_wash(org)
    early, late, never = (staff_with(org, "employee", capacity=5) for _ in range(3))
    moment = START - timedelta(days=1)
    with clock.frozen_at(moment):
        first = book(org, service, operator, assignee=early)
    with clock.frozen_at(moment + timedelta(hours=1)):
        second = book(org, service, operator, assignee=late)
    with clock.frozen_at(moment + timedelta(hours=2)):
        book(org, service, operator, assignee=never)
    # All three hold one booking; `never` was assigned last, so `early` has waited longest.
    assert book(org, service, operator, auto_assign=True).assignee == early
    services.booking_transition(booking=first, status="cancelled", acting_user=operator)
    services.booking_transition(booking=second, status="cancelled", acting_user=operator)
    # `early` kept the one it was given automatically, `late` holds none: least load wins.
    assert book(org, service, operator, auto_assign=True).assignee == late


def test_only_people_with_the_skill_or_named_providers_are_candidates(org, operator):
    service = car_wash(org)
    a, b = staff_with(org, "employee"), staff_with(org, "employee")
    service.providers.set([b])
    assert book(org, service, operator, auto_assign=True).assignee == b
    with pytest.raises(InvalidInput):
        book(org, service, operator, assignee=a)


def test_nobody_free_leaves_it_unassigned_listed_and_announced(org, operator, capture_events):
    service = car_wash(org)
    washer = staff_with(org, "employee", capacity=1)
    fill(org, operator, service, washer, 1)
    events = capture_events()
    booking = book(org, service, operator, auto_assign=True)
    assert booking.assignee is None and booking.pk
    assert list(unassigned_bookings(org)) == [booking]
    [notice] = payloads(events, "booking-unassigned")
    assert notice["booking_id"] == booking.pk and "capacity" in notice["reason"]
    # Once somebody is free, the explicit auto-assign takes it.
    services.booking_transition(
        booking=Booking.objects.exclude(pk=booking.pk).get(),
        status="cancelled",
        acting_user=operator,
    )
    assert services.booking_auto_assign(booking=booking, acting_user=operator).assignee == washer
    assert list(unassigned_bookings(org)) == []


def test_auto_assign_refuses_an_assigned_or_finished_booking(org, operator):
    service = car_wash(org)
    staff_with(org, "employee")
    assigned = book(org, service, operator, auto_assign=True)
    with pytest.raises(Conflict):
        services.booking_auto_assign(booking=assigned, acting_user=operator)
    done = book(org, service, operator)
    services.booking_transition(booking=done, status="cancelled", acting_user=operator)
    with pytest.raises(Conflict):
        services.booking_auto_assign(booking=done, acting_user=operator)


def test_auto_assign_never_picks_the_driver_as_therapist(org, operator):
    both = staff_with(org, "therapist", "driver")
    therapist = staff_with(org, "therapist", capacity=5)
    fill(org, operator, massage(org), therapist, 2)
    booking = book(org, massage(org, name="Massage 2"), operator, driver=both, auto_assign=True)
    assert booking.assignee == therapist


def test_reassignment_tells_both_people(org, operator, capture_events, workload):
    a, b = staff_with(org, "employee"), staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=a)
    events = capture_events()
    services.booking_assign(booking=booking, assignee=b, acting_user=operator)
    work = {e["staff_id"]: e["current_assignments"] for e in payloads(events, "workload-updated")}
    assert work == {a.pk: 0, b.pk: 1}
    assert workload(a) == (0, "available") and workload(b) == (1, "available")
    [update] = payloads(events, "booking-updated")
    assert (update["previous_assignee_id"], update["assignee_id"]) == (a.pk, b.pk)
    channels = events.channels("booking-updated")
    assert f"private-org-acme.staff-{a.pk}" in channels  # the old assignee drops it
    assert f"private-org-acme.staff-{b.pk}" in channels
    # The booking is no longer the old assignee's work: they learn only which one it was.
    [gone] = payloads(events, "booking-updated", f"private-org-acme.staff-{a.pk}")
    assert set(gone) == {"action", "booking_id", "timestamp"}
    [mine] = payloads(events, "booking-updated", f"private-org-acme.staff-{b.pk}")
    assert mine["notes"] == update["notes"] and mine["assignee_id"] == b.pk


def test_unassigning_frees_the_person_and_is_audited(org, operator, workload):
    a = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=a)
    services.booking_unassign(booking=booking, acting_user=operator, note="customer asked")
    assert workload(a) == (0, "available")
    row = BookingTransition.objects.filter(booking=booking).last()
    assert (row.action, row.data["assignee_from"], row.note) == (
        "unassigned",
        a.pk,
        "customer asked",
    )


def test_reopening_a_rejected_booking_claims_capacity_again(org, operator):
    therapist = staff_with(org, "therapist", capacity=1)
    booking = book(org, massage(org), operator, assignee=therapist)
    services.booking_transition(
        booking=booking, status="rejected", rejection_reason="ill", acting_user=operator
    )
    book(org, massage(org, name="Massage 2"), operator, assignee=therapist)
    with pytest.raises(Conflict):
        services.booking_transition(booking=booking, status="pending", acting_user=operator)
    booking.refresh_from_db()
    assert booking.status == "rejected"
