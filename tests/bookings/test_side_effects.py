"""Side effects declared by a workflow, and attached by another app, run inside the change."""

from pathlib import Path

import pytest

import switchboard.bookings.services as services_package
from switchboard.bookings import services
from switchboard.bookings.effects import SideEffect
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.workflows import HOME_SERVICE, WORKFLOWS, attach, detach
from switchboard.catalog.models import Workflow
from switchboard.common.errors import Conflict, Forbidden, InvalidInput
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import outbox_write as publish
from tests.bookings.factories import book, car_wash, massage, parking, payloads, staff_with


@pytest.fixture
def attached():
    """`attached(workflow, effect)` attaches like an app's `ready()`; undone after the test."""
    added = []

    def add(workflow_name, effect):
        added.append((workflow_name, attach(workflow_name, effect)))
        return effect

    yield add
    for workflow_name, effect in added:
        detach(workflow_name, effect)


def confirmed_massage(org, operator):
    booking = book(org, massage(org), operator, assignee=staff_with(org, "therapist"))
    return services.booking_transition(booking=booking, status="confirmed", acting_user=operator)


def snapshot(booking):
    booking = Booking.objects.get(pk=booking.pk)
    audit_rows = BookingTransition.objects.filter(booking_ref=booking.pk).count()
    return booking.status, booking.notes, audit_rows, OutboxEvent.objects.count()


def test_an_attached_hook_and_event_run_with_the_move_they_name(
    org, operator, attached, capture_events
):
    booking = confirmed_massage(org, operator)
    seen = []

    def hook(step):
        stored = Booking.objects.get(pk=step.booking.pk).status
        seen.append(("hook", step.source, step.target, stored))
        step.booking.notes = "Pickup offered to the nearest driver"
        step.changed.add("notes")

    def pickup_requested(step):
        stored = Booking.objects.get(pk=step.booking.pk).status
        seen.append(("event", step.source, step.target, stored))
        publish(org, ["private-org-acme"], "pickup-requested", {"booking_id": step.booking.pk})

    attached(
        Workflow.HOME_SERVICE,
        SideEffect(target="pickup_requested", hook=hook, events=(pickup_requested,)),
    )
    events = capture_events()
    services.booking_transition(booking=booking, status="pickup_requested", acting_user=operator)

    # The hook runs before the booking is saved, the event after, both in the change.
    assert seen == [
        ("hook", "confirmed", "pickup_requested", "confirmed"),
        ("event", "confirmed", "pickup_requested", "pickup_requested"),
    ]
    booking.refresh_from_db()
    assert booking.notes == "Pickup offered to the nearest driver"
    assert "notes" in payloads(events, "booking-updated")[-1]["changed"]
    assert [p["booking_id"] for p in payloads(events, "pickup-requested")] == [booking.pk]
    order = [row.event for row in events.rows]
    assert order.index("booking-updated") < order.index("pickup-requested")


def test_an_effect_for_another_move_does_not_run(org, operator, attached):
    booking = confirmed_massage(org, operator)
    ran = []
    attached(
        Workflow.HOME_SERVICE,
        SideEffect(source="pending", target="confirmed", hook=lambda step: ran.append(step)),
    )
    services.booking_transition(booking=booking, status="pickup_requested", acting_user=operator)
    assert ran == []


@pytest.mark.parametrize("phase", ["hook", "after", "events"])
def test_a_side_effect_that_raises_rolls_the_whole_change_back(org, operator, attached, phase):
    booking = confirmed_massage(org, operator)

    def refuse(step):
        publish(org, ["private-org-acme"], "pickup-requested", {"booking_id": step.booking.pk})
        raise Conflict("No driver can take this pickup.")

    effect = {"hook": {"hook": refuse}, "after": {"after": refuse}, "events": {"events": (refuse,)}}
    attached(
        Workflow.HOME_SERVICE,
        SideEffect(source="confirmed", target="pickup_requested", **effect[phase]),
    )
    before = snapshot(booking)
    with pytest.raises(Conflict):
        services.booking_update(
            booking=booking, status="pickup_requested", notes="call first", acting_user=operator
        )
    # No status, no note, no audit row, no event: not even the booking-updated one.
    assert snapshot(booking) == before


def test_a_leaving_effect_runs_on_every_move_out_of_its_state(org, operator, attached):
    left = []
    attached(Workflow.STANDARD, SideEffect(source="pending", hook=lambda s: left.append(s.target)))
    wash = car_wash(org)
    first, second = book(org, wash, operator), book(org, wash, operator)
    services.booking_transition(booking=first, status="confirmed", acting_user=operator)
    services.booking_transition(booking=second, status="cancelled", acting_user=operator)
    services.booking_transition(booking=first, status="in_progress", acting_user=operator)
    assert left == ["confirmed", "cancelled"]


@pytest.mark.parametrize(
    ("workflow_name", "effect"),
    [
        ("no_such_workflow", SideEffect(target="pending")),
        (Workflow.STANDARD, SideEffect(target="pickup_requested")),
        (Workflow.HOME_SERVICE, SideEffect(source="pending", target="completed")),
    ],
)
def test_attaching_to_a_move_that_does_not_exist_fails_at_once(workflow_name, effect):
    with pytest.raises(ValueError):
        attach(workflow_name, effect)
    for wf in WORKFLOWS.values():
        for move in wf.table.moves:
            assert effect not in wf.effects_of(move.source, move.target)


def test_home_service_declares_its_bookkeeping_instead_of_the_core_knowing_it():
    declared = {(e.source, e.target) for e in HOME_SERVICE.effects}
    assert declared == {
        (None, "rejected"),
        ("rejected", None),
        ("driver_assigned_pickup", "pickup_requested"),
    }
    assert HOME_SERVICE.accepts == {"therapist_accepted", "driver_accepted"}
    assert all(not wf.accepts for wf in WORKFLOWS.values() if wf is not HOME_SERVICE)


def test_the_booking_core_names_no_workflow_and_no_status():
    folder = Path(services_package.__file__).parent
    workflow_names = [f'"{name}"' for name in Workflow.values]
    for module in ("changes.py", "booking.py", "assignment.py"):
        text = (folder / module).read_text()
        assert "Status." not in text and "Workflow." not in text, module
        assert not [name for name in workflow_names if name in text], module


def test_acceptance_flags_belong_to_the_workflows_that_declare_them(org, operator):
    booking = book(org, car_wash(org), operator, assignee=staff_with(org, "employee"))
    with pytest.raises(InvalidInput) as refused:
        services.booking_update(booking=booking, therapist_accepted=True, acting_user=operator)
    assert "therapist_accepted" in refused.value.fields
    assert not Booking.objects.get(pk=booking.pk).therapist_accepted


def test_the_audit_row_keeps_the_actors_name_after_the_user_is_gone(org, operator):
    operator.first_name, operator.last_name = "Olga", "Ops"
    operator.save()
    booking = book(org, car_wash(org), operator)
    services.booking_transition(booking=booking, status="confirmed", acting_user=operator)
    operator.delete()
    rows = list(BookingTransition.objects.filter(booking_ref=booking.pk).order_by("id"))
    assert [(row.by, row.by_name) for row in rows] == [(None, "Olga Ops"), (None, "Olga Ops")]


def test_the_audit_trail_answers_the_name_and_jobs_are_system(api, org, owner, operator):
    booking = book(org, parking(org), operator)
    services.booking_transition(booking=booking, status="expired", acting_user=None)
    body = api.as_user(owner).get(f"/api/orgs/acme/bookings/{booking.pk}/transitions/").json()
    assert [(row["by"], row["by_name"]) for row in body] == [
        (operator.username, operator.get_full_name() or operator.username),
        (None, "system"),
    ]


def test_every_bookings_service_refuses_a_role_its_row_does_not_name(
    org, operator, staff_user, customer
):
    booking = book(org, car_wash(org), operator)
    calls = [
        lambda user: services.booking_assign(
            booking=booking, assignee=staff_with(org, "employee"), acting_user=user
        ),
        lambda user: services.booking_auto_assign(booking=booking, acting_user=user),
        lambda user: services.booking_unassign(booking=booking, acting_user=user),
        lambda user: services.booking_set_driver(booking=booking, driver=None, acting_user=user),
        lambda user: services.booking_delete(booking=booking, acting_user=user),
    ]
    before = snapshot(booking)
    for user in (staff_user, customer):
        for call in calls:
            with pytest.raises(Forbidden):
                call(user)
    assert snapshot(booking) == before
