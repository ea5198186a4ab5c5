"""Creating, moving and deleting bookings: the audit rows, the events, the refusals."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.selectors import employees_with_workload
from switchboard.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from switchboard.realtime.models import OutboxEvent
from tests.bookings.factories import (
    START,
    book,
    car_wash,
    car_wash_addon,
    massage,
    parking,
    payloads,
    session_service,
    staff_with,
)
from tests.catalog.factories import ResourceFactory
from tests.staff.factories import DepartmentFactory


def load(staff):
    return employees_with_workload(staff.organization).get(pk=staff.pk).current_assignments


def state():
    """Everything a refused request must leave as it was."""
    return (
        [model_to_dict(b) for b in Booking.objects.order_by("pk")],
        BookingTransition.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_create_starts_in_the_initial_state_with_an_audit_row_and_events(
    org, operator, capture_events
):
    desk = DepartmentFactory(organization=org, slug="wash-bay")
    washer = staff_with(org, "employee", department=desk)
    events = capture_events()
    booking = book(org, car_wash(org), operator, assignee=washer, notes="blue car")
    assert (booking.status, booking.workflow, booking.assignee) == ("pending", "standard", washer)
    assert booking.ends_at - booking.starts_at == timedelta(minutes=60)
    [row] = BookingTransition.objects.filter(booking=booking)
    assert (row.action, row.from_status, row.to_status, row.by) == (
        "created",
        "",
        "pending",
        operator,
    )
    assert events.channels("booking-updated") == [
        "private-org-acme.managers",
        f"private-org-acme.staff-{washer.pk}",
    ]
    payload = events.named("booking-updated")[0].payload
    assert payload["action"] == "created" and payload["assignee_id"] == washer.pk
    assert "customer_name" not in payload and "customer_phone" not in payload
    assert events.channels("workload-updated") == [
        "private-org-acme",
        "private-org-acme.dept-wash-bay",
        f"private-org-acme.staff-{washer.pk}",
    ]
    work = events.named("workload-updated")[0].payload
    assert (work["staff_id"], work["current_assignments"], work["availability_status"]) == (
        washer.pk,
        1,
        "available",
    )


def test_an_add_on_takes_its_customer_from_the_parent_reservation(org, operator, customer):
    reservation = book(org, parking(org), operator, customer=customer, customer_name="")
    addon = book(org, car_wash_addon(org), operator, parent=reservation, customer_name="")
    assert (addon.customer, addon.status, addon.parent) == (customer, "pending", reservation)


@pytest.mark.parametrize(
    ("make", "error", "field"),
    [
        (
            lambda o, s: {"starts_at": START, "ends_at": START - timedelta(minutes=1)},
            InvalidInput,
            "ends_at",
        ),
        (lambda o, s: {"starts_at": START, "ends_at": START}, InvalidInput, "ends_at"),
        (lambda o, s: {"customer_name": ""}, InvalidInput, "customer_name"),
        (lambda o, s: {"assignee": staff_with(o, "cook")}, InvalidInput, "assignee"),
        (lambda o, s: {"driver": staff_with(o, "driver")}, InvalidInput, "driver"),
        (lambda o, s: {"parent": book(o, parking(o), s)}, InvalidInput, "parent"),
    ],
    ids=[
        "end-before-start",
        "zero-length",
        "no-customer",
        "no-skill",
        "driver-on-car-wash",
        "parent",
    ],
)
def test_bad_input_is_400_and_changes_nothing(org, operator, make, error, field):
    service = car_wash(org)
    values = {
        "customer_name": "Walk-in",
        "starts_at": START,
        "allow_past": True,
        **make(org, operator),
    }
    before = state()
    with pytest.raises(error) as refused:
        services.booking_create(organization=org, service=service, acting_user=operator, **values)
    assert field in refused.value.as_dict()
    assert state() == before


def test_another_organisations_service_staff_or_resource_is_404(org, other_org, operator):
    ours = car_wash(org)
    theirs = car_wash(other_org)
    foreign_staff = staff_with(other_org, "employee")
    foreign_bay = ResourceFactory(organization=other_org)
    before = state()
    for kwargs in (
        {"service": theirs},
        {"service": ours, "assignee": foreign_staff},
        {"service": ours, "resource": foreign_bay},
    ):
        with pytest.raises(NotFound):
            services.booking_create(
                organization=org, starts_at=START, customer_name="x", acting_user=operator, **kwargs
            )
    assert state() == before


def test_an_add_on_needs_an_active_reservation(org, operator):
    addon = car_wash_addon(org)
    with pytest.raises(InvalidInput):
        book(org, addon, operator)
    reservation = book(org, parking(org), operator)
    services.booking_transition(booking=reservation, status="cancelled", acting_user=operator)
    before = state()
    with pytest.raises(Conflict) as refused:
        book(org, addon, operator, parent=reservation)
    assert refused.value.as_dict()["status"] == "cancelled"
    assert state() == before


def test_a_resource_in_maintenance_or_already_booked_is_a_conflict(org, operator):
    bay = ResourceFactory(organization=org, name="Bay 1")
    service = car_wash(org)
    first = book(org, service, operator, resource=bay)
    before = state()
    with pytest.raises(Conflict) as clash:
        book(org, service, operator, resource=bay, at=START + timedelta(minutes=30))
    assert clash.value.as_dict()["booking_id"] == first.pk
    bay.in_maintenance = True
    bay.save()
    with pytest.raises(Conflict, match="maintenance"):
        book(org, service, operator, resource=bay, at=START + timedelta(hours=5))
    assert state() == before
    bay.in_maintenance = False
    bay.save()
    services.booking_transition(booking=first, status="cancelled", acting_user=operator)
    assert book(org, service, operator, resource=bay).resource == bay  # freed by the cancel


def test_only_managers_make_bookings(org, staff_user, customer):
    service = car_wash(org)
    for user in (staff_user, customer):
        with pytest.raises(Forbidden):
            book(org, service, user)
    assert not Booking.objects.exists()


def test_a_transition_writes_its_audit_row_and_events(org, operator, capture_events):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer)
    events = capture_events()
    services.booking_transition(
        booking=booking, status="confirmed", acting_user=operator, note="called the customer"
    )
    row = BookingTransition.objects.filter(booking=booking).last()
    assert (row.action, row.from_status, row.to_status, row.note) == (
        "transition",
        "pending",
        "confirmed",
        "called the customer",
    )
    payload = events.named("booking-updated")[0].payload
    assert (payload["status"], payload["previous_status"], payload["changed"]) == (
        "confirmed",
        "pending",
        ["status"],
    )
    # Still active: nobody's workload moved, so nobody is told it did.
    assert events.named("workload-updated") == []


def test_an_illegal_move_is_409_with_the_allowed_ones_and_changes_nothing(org, operator):
    booking = book(org, car_wash(org), operator, assignee=staff_with(org, "employee"))
    before = state()
    with pytest.raises(Conflict) as refused:
        services.booking_transition(booking=booking, status="completed", acting_user=operator)
    assert refused.value.as_dict() == {
        "detail": "The standard workflow does not allow 'pending' -> 'completed'.",
        "status": "pending",
        "allowed": ["confirmed", "cancelled"],
    }
    with pytest.raises(Conflict):
        services.booking_transition(booking=booking, status="pending", acting_user=operator)
    with pytest.raises(InvalidInput):
        services.booking_transition(booking=booking, status="booked", acting_user=operator)
    assert state() == before


def test_staff_move_only_their_own_bookings_and_customers_only_cancel_theirs(
    org, operator, customer
):
    washer, other = staff_with(org, "employee"), staff_with(org, "employee")
    mine = book(org, car_wash(org), operator, assignee=washer, customer=customer)
    services.booking_transition(booking=mine, status="confirmed", acting_user=operator)
    with pytest.raises(Forbidden):
        services.booking_transition(booking=mine, status="in_progress", acting_user=other.user)
    services.booking_transition(booking=mine, status="in_progress", acting_user=washer.user)
    with pytest.raises(Forbidden):
        services.booking_update(booking=mine, assignee=other, acting_user=washer.user)
    theirs = book(org, car_wash(org, name="Wash 2"), operator, customer=customer)
    with pytest.raises(Forbidden):
        services.booking_transition(booking=theirs, status="confirmed", acting_user=customer)
    services.booking_transition(booking=theirs, status="cancelled", acting_user=customer)
    theirs.refresh_from_db()
    assert theirs.status == "cancelled"


def test_home_service_runs_seed_002s_chain_with_a_driver(org, operator, capture_events):
    therapist = staff_with(org, "therapist")
    driver = staff_with(org, "driver")
    booking = book(org, massage(org), operator, assignee=therapist)
    services.booking_update(
        booking=booking, therapist_accepted=True, status="confirmed", acting_user=therapist.user
    )
    services.booking_transition(
        booking=booking, status="pickup_requested", acting_user=therapist.user
    )
    with pytest.raises(InvalidInput) as refused:
        services.booking_transition(
            booking=booking, status="driver_assigned_pickup", acting_user=operator
        )
    assert "driver" in refused.value.fields
    events = capture_events()
    # Seed 002's PATCH: the status and the driver together.
    services.booking_update(
        booking=booking,
        status="driver_assigned_pickup",
        driver=driver,
        notes="Driver assigned for pickup - ETA: 12 min",
        acting_user=operator,
    )
    assert events.channels("booking-updated") == sorted(
        [
            "private-org-acme.managers",
            f"private-org-acme.staff-{therapist.pk}",
            f"private-org-acme.staff-{driver.pk}",
        ]
    )
    assert [e["staff_id"] for e in payloads(events, "workload-updated")] == [driver.pk]
    services.booking_update(booking=booking, driver_accepted=True, acting_user=driver.user)
    for status in ["driver_en_route_pickup", "driver_arrived_pickup", "therapist_picked_up"]:
        services.booking_transition(booking=booking, status=status, acting_user=driver.user)
    services.booking_transition(booking=booking, status="en_route", acting_user=driver.user)
    booking.refresh_from_db()
    assert booking.therapist_accepted and booking.therapist_accepted_at
    assert booking.driver_accepted and booking.driver_accepted_at
    assert load(driver) == 1 and load(therapist) == 1
    services.booking_transition(booking=booking, status="arrived", acting_user=driver.user)
    assert load(driver) == 0 and load(therapist) == 1  # delivered: the driver is free
    for status in ["in_progress", "completed"]:
        services.booking_transition(booking=booking, status=status, acting_user=therapist.user)
    booking.refresh_from_db()
    assert booking.status == "completed" and load(therapist) == 0
    history = list(
        BookingTransition.objects.filter(booking=booking, action="transition").values_list(
            "to_status", flat=True
        )
    )
    assert history[-3:] == ["arrived", "in_progress", "completed"] and len(history) == 10


def test_a_rejection_needs_a_reason_frees_the_therapist_and_can_be_reopened(org, operator):
    therapist, other = staff_with(org, "therapist"), staff_with(org, "therapist")
    booking = book(org, massage(org), operator, assignee=therapist)
    with pytest.raises(InvalidInput) as refused:
        services.booking_transition(booking=booking, status="rejected", acting_user=therapist.user)
    assert "rejection_reason" in refused.value.fields
    services.booking_transition(
        booking=booking,
        status="rejected",
        rejection_reason="Too far tonight",
        acting_user=therapist.user,
    )
    booking.refresh_from_db()
    assert (booking.status, booking.rejection_reason, booking.rejected_by) == (
        "rejected",
        "Too far tonight",
        therapist.user,
    )
    services.booking_update(booking=booking, assignee=other, status="pending", acting_user=operator)
    booking.refresh_from_db()
    assert (booking.status, booking.assignee, booking.rejection_reason) == ("pending", other, "")


def test_a_driver_who_declines_sends_the_pickup_back_without_them(org, operator):
    therapist, driver = staff_with(org, "therapist"), staff_with(org, "driver")
    booking = book(org, massage(org), operator, assignee=therapist)
    for status in ["confirmed", "pickup_requested"]:
        services.booking_transition(booking=booking, status=status, acting_user=operator)
    services.booking_update(
        booking=booking, driver=driver, status="driver_assigned_pickup", acting_user=operator
    )
    services.booking_transition(booking=booking, status="pickup_requested", acting_user=driver.user)
    booking.refresh_from_db()
    assert (booking.status, booking.driver) == ("pickup_requested", None)


def test_a_driver_needs_the_driver_skill_and_cannot_be_the_therapist(org, operator):
    therapist = staff_with(org, "therapist", "driver")
    booking = book(org, massage(org), operator, assignee=therapist)
    before = state()
    with pytest.raises(InvalidInput):
        services.booking_set_driver(booking=booking, driver=therapist, acting_user=operator)
    with pytest.raises(InvalidInput):
        services.booking_set_driver(
            booking=booking, driver=staff_with(org, "therapist"), acting_user=operator
        )
    assert state()[0] == before[0]


def test_flags_and_reasons_are_only_where_they_mean_something(org, operator):
    booking = book(org, car_wash(org), operator, assignee=staff_with(org, "employee"))
    before = state()
    with pytest.raises(InvalidInput):
        services.booking_update(booking=booking, therapist_accepted=True, acting_user=operator)
    with pytest.raises(InvalidInput):
        services.booking_update(booking=booking, rejection_reason="no", acting_user=operator)
    with pytest.raises(InvalidInput):
        services.booking_update(booking=booking, starts_at=START, acting_user=operator)
    assert state() == before


def test_a_finished_booking_cannot_be_reassigned(org, operator):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer)
    services.booking_transition(booking=booking, status="cancelled", acting_user=operator)
    before = state()
    with pytest.raises(Conflict):
        services.booking_assign(
            booking=booking, assignee=staff_with(org, "employee"), acting_user=operator
        )
    assert state() == before


def test_delete_keeps_the_audit_row_and_tells_everyone_concerned(org, operator, capture_events):
    washer = staff_with(org, "employee")
    reservation = book(org, parking(org), operator)
    addon = book(org, car_wash_addon(org), operator, parent=reservation, assignee=washer)
    events = capture_events()
    services.booking_delete(booking=reservation, acting_user=operator)
    assert not Booking.objects.exists()
    gone = BookingTransition.objects.filter(action="deleted").order_by("booking_ref")
    assert [r.booking_ref for r in gone] == sorted([reservation.pk, addon.pk])
    assert all(r.booking is None for r in gone)
    deleted = payloads(events, "booking-updated")
    assert sorted(e["booking_id"] for e in deleted) == sorted([reservation.pk, addon.pk])
    assert {e["action"] for e in deleted} == {"deleted"}
    [work] = payloads(events, "workload-updated")
    assert (work["staff_id"], work["current_assignments"]) == (washer.pk, 0)


def test_staff_and_customers_cannot_delete(org, operator, customer):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer, customer=customer)
    for user in (washer.user, customer):
        with pytest.raises(Forbidden):
            services.booking_delete(booking=booking, acting_user=user)
    assert Booking.objects.filter(pk=booking.pk).exists()


def test_a_session_is_ready_for_the_timed_sessions_to_come(org, operator):
    pc = ResourceFactory(organization=org, name="PC01", kind="pc")
    attendant = staff_with(org)
    session = book(
        org, session_service(org), operator, resource=pc, assignee=attendant, customer_name="Ram"
    )
    assert (session.status, session.resource, session.ends_at - session.starts_at) == (
        "active",
        pc,
        timedelta(hours=1),
    )
    services.booking_transition(booking=session, status="completed", acting_user=None)
    session.refresh_from_db()
    assert session.status == "completed"
