"""Applying a batch plan in bulk writes what one assignment per pair would write, in a
number of queries that does not grow with the number of pairs."""

from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from switchboard.accounts.permissions import require
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.common import clock
from switchboard.dispatch import services as dispatch
from switchboard.dispatch.models import Answer, PickupOffer
from switchboard.dispatch.services import batch as batch_service
from switchboard.dispatch.services.assign import assign_locked
from switchboard.dispatch.services.batch_apply import lock_pairs
from switchboard.dispatch.services.updates import send_driver_updates
from switchboard.realtime.models import OutboxEvent
from tests.dispatch.factories import driver_at, pickup_at


def _marks():
    last_audit = BookingTransition.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_event = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last_audit or 0, last_event or 0


def _written(booking_ids, marks):
    """What was written since `marks`, in a form independent of row ids and order."""
    bookings = sorted(
        Booking.objects.filter(pk__in=booking_ids).values_list(
            "pk", "status", "driver_id", "notes", "driver_accepted", "updated_at"
        )
    )
    audit = sorted(
        (r.booking_ref, r.action, r.from_status, r.to_status, r.by_name, r.note, str(r.data))
        for r in BookingTransition.objects.filter(pk__gt=marks[0])
    )
    events = sorted(
        (e.event, e.channel, str(sorted(e.payload.items())))
        for e in OutboxEvent.objects.filter(pk__gt=marks[1])
    )
    return bookings, audit, events


def _one_by_one(org, operator, plan, at):
    """The reference: each pair through `assign_locked`, as the batch used to apply it."""
    role = require(org, operator, "dispatch.batch_assign")
    bookings, drivers, _ = lock_pairs(plan, at)
    for pair in plan:
        booking, driver = bookings[pair["booking_id"]], drivers[pair["driver_id"]]
        with transaction.atomic():
            assign_locked(booking, driver, role=role, user=operator, at=at, announce=False)
    send_driver_updates(org, [p["driver_id"] for p in plan], at=at)


def test_bulk_apply_writes_what_single_assigns_would(org, operator, frozen):
    for km in (1, 2, 3):
        driver_at(org, km)
    offered = pickup_at(org, operator, 0.5)
    # An offer left pending past its deadline (the job has not run yet): the batch takes
    # the pickup and withdraws the offer, with its audit row.
    dispatch.pickup_auto_assign(booking=offered, acting_user=operator)
    clock.advance(timedelta(minutes=5))
    driver_at(org, 0.45)  # nearer than the driver who was offered it
    pickups = [
        offered,
        pickup_at(org, operator, 2.2, urgency="urgent"),
        pickup_at(org, operator, 4),
    ]
    ids = [p.pk for p in pickups]
    at = clock.now()
    plan = batch_service.batch_plan(org, at=at)["plan"]
    assert len(plan) == 3

    marks = _marks()
    with transaction.atomic():
        _one_by_one(org, operator, plan, at)
        expected = _written(ids, marks)
        transaction.set_rollback(True)

    marks = _marks()
    done = dispatch.batch_assign(organization=org, acting_user=operator, dry_run=False, at=at)
    assert len(done["applied"]) == 3 and done["changed"] == []
    assert _written(ids, marks) == expected
    assert any("withdrawn" in row[5] for row in expected[1])
    assert {e[0] for e in expected[2]} >= {
        "booking-updated",
        "workload-updated",
        "driver-assigned-pickup",
        "driver-update",
    }


def _apply_counting(org, operator):
    with CaptureQueriesContext(connection) as queries:
        done = dispatch.batch_assign(organization=org, acting_user=operator, dry_run=False)
    return len(done["applied"]), len(queries)


def test_bulk_apply_queries_do_not_grow_with_the_pairs(org, operator, frozen):
    for km in (1, 2):
        driver_at(org, km)
        pickup_at(org, operator, km)
    few, few_queries = _apply_counting(org, operator)
    for km in (5, 6, 7, 8, 9, 10):
        driver_at(org, km)
        pickup_at(org, operator, km)
    many, many_queries = _apply_counting(org, operator)
    assert (few, many) == (2, 6)
    assert many_queries == few_queries


def test_a_burst_of_deadlines_hands_over_in_one_job_run(org, operator, frozen):
    first_round = [driver_at(org, km) for km in (1, 2, 3)]
    pickups = [pickup_at(org, operator, km) for km in (1, 2, 3)]
    offers = [dispatch.pickup_auto_assign(booking=b, acting_user=operator)[0] for b in pickups]
    assert {o.driver_id for o in offers} == {d.pk for d in first_round}
    second_round = {driver_at(org, km).pk for km in (1.2, 2.2, 3.2)}
    clock.advance(timedelta(seconds=61))
    marks = _marks()
    assert dispatch.offers_expire_due() == 3
    pending = PickupOffer.objects.filter(answer=Answer.PENDING)
    # Each pickup offered to a driver not asked before, nobody offered two pickups.
    assert sorted(o.booking_id for o in pending) == sorted(b.pk for b in pickups)
    assert {o.driver_id for o in pending} == second_round
    assert set(
        PickupOffer.objects.filter(pk__in=[o.pk for o in offers]).values_list("answer", flat=True)
    ) == {Answer.EXPIRED}
    notes = [r.note for r in BookingTransition.objects.filter(pk__gt=marks[0])]
    assert sum("expired" in n for n in notes) == 3
    assert sum(n.startswith("Offered to") for n in notes) == 3
    sent = OutboxEvent.objects.filter(pk__gt=marks[1], event="pickup-offer")
    assert {e.payload["answer"] for e in sent} == {"expired", "pending"}
    assert dispatch.offers_expire_due() == 0  # a second run changes nothing
