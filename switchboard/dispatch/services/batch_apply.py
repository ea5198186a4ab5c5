"""Applying a batch plan with set-based statements: the same rows and events as one
`assign_locked` per pair, in a number of queries that does not grow with the pairs.

Inside the caller's transaction: the planned bookings, then the drivers, locked with one
statement each (ordered by id, the order every path takes); each pair re-checked on the
locked rows; then the bookings written with one `bulk_update`, the audit rows with one
`bulk_create`, the offers withdrawn with two updates, and the events held in a
`realtime.publish.bulk()` block, so each is made (payload, channels, audience) by the very
functions the single path calls and all are written with one insert.

A pair this module cannot write in bulk (the booking already has a driver, or the move has
side effects other than dispatch's own withdrawal) goes through `assign_locked` instead.
"""

from switchboard.bookings.events import emit_booking_updated, emit_workload_updated
from switchboard.bookings.models import AuditAction, Booking, BookingTransition
from switchboard.bookings.services.audit import display_name
from switchboard.bookings.services.capacity import claim_capacity, occupancy
from switchboard.bookings.workflows import PARENT_WORKFLOWS, workflow
from switchboard.common.clock import now
from switchboard.dispatch import lock_objects
from switchboard.dispatch import status as st
from switchboard.dispatch.events import emit_driver_assigned
from switchboard.dispatch.models import Answer, PickupOffer, PickupRequest
from switchboard.dispatch.pickup_effects import LEFT
from switchboard.dispatch.selectors import PICKUP_REQUESTED, eta_to, settings_for
from switchboard.dispatch.services.assign import DRIVER_ASSIGNED, assign_locked
from switchboard.dispatch.services.common import assigned_note
from switchboard.realtime import publish
from switchboard.staff.models import StaffMember

CHANGED = frozenset({"driver", "driver_accepted", "status", "notes"})
BOOKING_FIELDS = ["driver", "driver_accepted", "driver_accepted_at", "status", "notes"]


def lock_pairs(plan, at):
    """The plan's bookings then drivers, locked (one statement each, by id), and the
    drivers' status flags read under those locks."""
    booking_ids = sorted(pair["booking_id"] for pair in plan)
    driver_ids = sorted(pair["driver_id"] for pair in plan)
    bookings = {
        b.pk: b
        for b in Booking.objects.select_for_update(of=("self",))
        .select_related("service", "parent", "organization", "assignee__user")
        .prefetch_related("addons")
        .filter(pk__in=booking_ids)
        .order_by("pk")
    }
    query = StaffMember.objects.select_related("user", "position").filter(pk__in=driver_ids)
    if lock_objects.driver_lock_enabled():
        query = query.select_for_update(of=("self",))
    drivers = {d.pk: d for d in query.order_by("pk")}
    flags = {
        row.pk: (row.on_duty, row.is_busy, row.is_offered)
        for row in st.with_status_flags(StaffMember.objects.filter(pk__in=driver_ids), at)
    }
    return bookings, drivers, flags


def changed_reason(booking, driver, flags) -> str | None:
    """Why the pair no longer holds, or None."""
    if booking is None or booking.status != PICKUP_REQUESTED:
        return "The booking is not waiting for a driver any more."
    on_duty, busy, offered = flags or (False, False, False)
    if not on_duty:
        return f"{driver.full_name} is not on duty."
    if busy:
        return f"{driver.full_name} is already on a pickup."
    if offered:
        return f"{driver.full_name} is considering another pickup."
    return None


def _bulk_safe(booking) -> bool:
    effects = workflow(booking.workflow).effects_of(PICKUP_REQUESTED, DRIVER_ASSIGNED)
    return booking.driver_id is None and effects == [LEFT]


def apply_pairs(organization, pairs, *, role, user, at) -> None:
    """Assign each (booking, driver) of `pairs`, all locked and re-checked by the caller."""
    single = [(b, d) for b, d in pairs if not _bulk_safe(b)]
    bulk = [(b, d) for b, d in pairs if _bulk_safe(b)]
    with publish.bulk():
        for booking, driver in single:
            assign_locked(booking, driver, role=role, user=user, at=at, announce=False)
        if bulk:
            _apply_bulk(organization, bulk, user=user, at=at)


def _apply_bulk(organization, pairs, *, user, at) -> None:
    config = settings_for(organization)
    booking_ids = [b.pk for b, _ in pairs]
    pickups = {p.booking_id: p for p in PickupRequest.objects.filter(booking_id__in=booking_ids)}
    etas = {b.pk: eta_to(config, getattr(d, "position", None), pickups.get(b.pk)) for b, d in pairs}
    rows = _withdraw_others(pairs, user, at)
    before = {b.pk: _occupied(b) for b, _ in pairs}
    moved_at = now()
    for booking, driver in pairs:
        rows += _move(booking, driver, assigned_note(etas[booking.pk]), user, moved_at)
    grown = set()
    for booking, _ in pairs:
        after = _occupied(booking)
        grown |= {pk for pk in after if after[pk] > before[booking.pk][pk]}
    claim_capacity(grown - {d.pk for _, d in pairs}, override=False)
    Booking.objects.bulk_update([b for b, _ in pairs], [*BOOKING_FIELDS, "updated_at"])
    BookingTransition.objects.bulk_create(rows)
    _emit(organization, pairs, before, pickups, etas, at)
    # The workflow's own effect on leaving `pickup_requested` (`pickup_effects.LEFT`).
    PickupOffer.objects.filter(booking_id__in=booking_ids, answer=Answer.PENDING).update(
        answer=Answer.WITHDRAWN, answered_at=moved_at
    )
    for booking, driver in pairs:
        pickup = pickups.get(booking.pk)
        emit_driver_assigned(booking, pickup, driver, etas[booking.pk], at)


def _occupied(booking):
    addons = list(booking.addons.all()) if booking.workflow in PARENT_WORKFLOWS else []
    return occupancy(booking, addons)


def _withdraw_others(pairs, user, at) -> list[BookingTransition]:
    """Offers of these pickups still pending to someone else: withdrawn, one audit row
    each (as `assign_locked` writes them)."""
    driver_of = {b.pk: d.pk for b, d in pairs}
    booking_of = {b.pk: b for b, _ in pairs}
    pending = PickupOffer.objects.filter(booking_id__in=list(driver_of), answer=Answer.PENDING)
    others = [
        offer
        for offer in pending.select_related("driver__user").order_by("booking_id", "pk")
        if offer.driver_id != driver_of[offer.booking_id]
    ]
    if not others:
        return []
    PickupOffer.objects.filter(pk__in=[o.pk for o in others]).update(
        answer=Answer.WITHDRAWN, answered_at=at
    )
    rows = []
    for offer in others:
        offer.answer, offer.answered_at = Answer.WITHDRAWN, at
        booking = booking_of[offer.booking_id]
        data = {
            "offer": offer.pk,
            "answer": offer.answer,
            "driver_id": offer.driver_id,
            "eta_seconds": offer.eta_seconds,
        }
        note = f"Offer to {offer.driver.full_name} withdrawn"
        rows.append(_row(booking, AuditAction.UPDATED, user, note=note, data=data))
    return rows


def _move(booking, driver, notes, user, moved_at) -> list[BookingTransition]:
    """The booking's fields and audit rows as `apply_changes` sets them for the changes
    {driver, status, notes}: driver first, then the move, then the notes."""
    rows = [
        _row(
            booking,
            AuditAction.DRIVER,
            user,
            data={"driver_from": None, "driver_to": driver.pk, "override_capacity": False},
        )
    ]
    booking.driver = driver
    booking.driver_accepted, booking.driver_accepted_at = False, None
    rows.append(_row(booking, AuditAction.TRANSITION, user, to_status=DRIVER_ASSIGNED))
    booking.status = DRIVER_ASSIGNED
    if notes != booking.notes:
        booking.notes = notes
        rows.append(_row(booking, AuditAction.UPDATED, user, data={"notes": notes}))
    booking.updated_at = moved_at
    return rows


def _row(booking, action, user, *, note="", to_status=None, data=None) -> BookingTransition:
    return BookingTransition(
        organization_id=booking.organization_id,
        booking=booking,
        booking_ref=booking.pk,
        action=action,
        from_status=booking.status,
        to_status=to_status or booking.status,
        by=user,
        by_name=display_name(user),
        note=note,
        data=data or {},
    )


def _emit(organization, pairs, before, pickups, etas, at) -> None:
    """`booking-updated` for each booking, `workload-updated` for everyone whose load moved
    (read once, after all the writes: each driver takes one pickup of the plan)."""
    moved = set()
    for booking, _ in pairs:
        previous = {
            "status": PICKUP_REQUESTED,
            "assignee_id": booking.assignee_id,
            "driver_id": None,
        }
        emit_booking_updated(booking, "updated", changed=CHANGED, previous=previous)
        after = _occupied(booking)
        moved |= {pk for pk in before[booking.pk] | after if before[booking.pk][pk] != after[pk]}
    emit_workload_updated(organization, moved)
