"""A booking's life: create, change (the seed 002 PATCH), transition, delete."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from switchboard.accounts.models import Membership, Organization, User
from switchboard.accounts.permissions import require
from switchboard.bookings import lock_objects
from switchboard.bookings.events import (
    emit_booking_unassigned,
    emit_booking_updated,
    emit_workload_updated,
)
from switchboard.bookings.models import AuditAction, Booking
from switchboard.bookings.selectors import overlapping_bookings
from switchboard.bookings.services import slot_booking
from switchboard.bookings.services.assignment import NOBODY_FREE, candidates_snapshot, pick_assignee
from switchboard.bookings.services.audit import audit
from switchboard.bookings.services.capacity import claim_capacity, holders, occupancy
from switchboard.bookings.services.changes import update_booking
from switchboard.bookings.services.validation import check_assignee, check_driver
from switchboard.bookings.workflows import PARENT_WORKFLOWS, workflow
from switchboard.catalog.models import Resource, Service
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, InvalidInput, NotFound
from switchboard.common.tenancy import in_scope, org_scoped
from switchboard.realtime.publish import bulk
from switchboard.slots.events import emit_slot_updated
from switchboard.slots.models import BookingSlot
from switchboard.slots.selectors import slot_row
from switchboard.staff.models import StaffMember

logger = logging.getLogger(__name__)


def _times(service: Service, starts_at: datetime, ends_at: datetime | None):
    if starts_at is None:
        raise InvalidInput({"starts_at": "A start time is required."})
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and timezone.is_naive(value):
            raise InvalidInput({field: "Give the time with its UTC offset."})
    if ends_at is None:
        ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    if ends_at <= starts_at:
        raise InvalidInput({"ends_at": "The end must be after the start."})
    return starts_at, ends_at


def check_not_past(organization, starts_at, *, allow_past: bool, acting_user) -> bool:
    """A start further back than the organisation's back-dating window needs `allow_past`,
    which only owners and operators may give. Returns whether the start is that far back."""
    window = organization.booking_backdate_minutes
    # The current minute is not the past: a start typed as "now" (10:00 at 10:00:40), or
    # taken from the clock a moment ago, is on time.
    this_minute = now().replace(second=0, microsecond=0)
    if starts_at >= this_minute - timedelta(minutes=window):
        return False
    if not allow_past:
        allowed = f"more than {window} minutes ago" if window else "in the past"
        raise InvalidInput(
            {"starts_at": f"This start is {allowed}; an owner or operator may pass allow_past."}
        )
    require(organization, acting_user, "bookings.create_past")
    return True


def _check_parent(organization, wf, parent: Booking | None) -> None:
    if not wf.is_addon:
        if parent is not None:
            raise InvalidInput({"parent": f"A {wf.name} booking cannot hang on another booking."})
        return
    if parent is None:
        raise InvalidInput({"parent": "An add-on needs the booking it is added to."})
    if parent.workflow not in wf.parent_workflows:
        raise InvalidInput({"parent": f"Add-ons go on {', '.join(wf.parent_workflows)} bookings."})


def _check_customer(organization, customer: User | None, customer_name: str) -> None:
    if customer is None:
        if not customer_name.strip():
            raise InvalidInput({"customer_name": "Give a customer: a member, or a name."})
        return
    if not Membership.objects.filter(
        organization=organization, user=customer, is_active=True
    ).exists():
        raise NotFound("No such customer.")


def _hold_resource(resource: Resource, starts_at, ends_at) -> None:
    """Lock the resource row, then refuse maintenance and overlapping active bookings."""
    resource = lock_objects.lock_resource(resource.pk)
    if not resource.is_active:
        raise InvalidInput({"resource": "This resource is not in use any more."})
    if resource.in_maintenance:
        raise Conflict("This resource is in maintenance.", resource_id=resource.pk)
    clash = overlapping_bookings(resource, starts_at, ends_at).first()
    if clash is not None:
        raise Conflict("The resource is booked at that time.", booking_id=clash.pk)


def _check_people(organization, service, wf, assignee, driver) -> None:
    if assignee is not None:
        check_assignee(service, assignee)
    if driver is not None:
        check_driver(wf, driver, assignee_id=assignee.pk if assignee else None)


def _check_new(organization, service, resource, acting_user, *, slot=None):
    """Who may book, and what: answers before anything is read for the booking itself.
    A slot booking's permission was checked by `slot_booking.check_who`."""
    if slot is None:
        require(organization, acting_user, "bookings.create")
    if not service.is_active:
        raise InvalidInput({"service": "This service is not offered any more."})
    return workflow(service.workflow)


def _lock_parent(parent: Booking | None) -> Booking | None:
    """Re-read the parent under its lock: it must still be active to carry an add-on."""
    if parent is None:
        return None
    parent = lock_objects.lock_booking(parent.pk)
    if not workflow(parent.workflow).table.is_active(parent.status):
        raise Conflict("Add-ons go on active bookings only.", status=parent.status)
    return parent


def _assign_automatically(booking: Booking, snapshot) -> set[int]:
    """Give the booking the best free candidate, if any; return whose capacity was checked."""
    chosen = pick_assignee(booking.service, snapshot, exclude=[booking.driver_id])
    if chosen is None:
        return set()
    booking.assignee, booking.assigned_at = chosen, now()
    return {chosen.pk}


def _record_creation(booking: Booking, acting_user, *, auto: bool, override: bool, past: bool):
    # `allow_past` is in the row only when it was needed, so the trail shows who back-dated.
    extra = {"allow_past": True} if past else {}
    audit(
        booking,
        AuditAction.CREATED,
        acting_user,
        from_status="",
        assignee_to=booking.assignee_id,
        driver_to=booking.driver_id,
        automatic=auto,
        override_capacity=override,
        **extra,
    )
    emit_booking_updated(booking, "created", changed=["status"])
    emit_workload_updated(booking.organization, holders(booking))
    if auto and booking.assignee_id is None:
        emit_booking_unassigned(booking, NOBODY_FREE)


@org_scoped
def booking_create(
    *,
    organization: Organization,
    service: Service | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    customer: User | None = None,
    customer_name: str = "",
    customer_phone: str = "",
    resource: Resource | None = None,
    assignee: StaffMember | None = None,
    driver: StaffMember | None = None,
    parent: Booking | None = None,
    notes: str = "",
    auto_assign: bool = False,
    override_capacity: bool = False,
    allow_past: bool = False,
    slot: BookingSlot | None = None,
    acting_user: User | None,
) -> Booking:
    """Make a booking in its workflow's initial state, assigned by hand or automatically.

    A start further in the past than the organisation's `booking_backdate_minutes` is
    refused unless an owner or operator passes `allow_past` (kept in the audit row).

    When automatic assignment finds nobody free the booking is still made, unassigned, and
    operators hear `booking-unassigned`. With `slot`, the service and times are the slot's
    and a seat is taken under the slot's lock (docs/slots.md).
    """
    # Looked up in the organisation's scope: another tenant's row is simply not found.
    service, resource, assignee, driver, parent, slot = map(
        in_scope, (service, resource, assignee, driver, parent, slot)
    )
    stale = 0
    if slot is not None:
        extras = {
            "resource": resource,
            "assignee": assignee,
            "driver": driver,
            "parent": parent,
            "notes": notes,
            "auto_assign": auto_assign,
            "override_capacity": override_capacity,
        }
        customer = slot_booking.check_who(
            organization, acting_user, customer=customer, extras=extras
        )
        service, starts_at, ends_at = slot_booking.slot_times(slot, service)
        slot_booking.check_assignee(slot, assignee)
        stale = slot_booking.seats_taken_before(slot)
    elif service is None:
        raise InvalidInput({"service": "Which service? Give it, or a slot."})
    wf = _check_new(organization, service, resource, acting_user, slot=slot)
    starts_at, ends_at = _times(service, starts_at, ends_at)
    past = check_not_past(organization, starts_at, allow_past=allow_past, acting_user=acting_user)
    _check_parent(organization, wf, parent)
    if parent is not None and customer is None and not customer_name:
        customer, customer_name = parent.customer, parent.customer_name
    _check_customer(organization, customer, customer_name)
    _check_people(organization, service, wf, assignee, driver)
    auto = auto_assign and assignee is None
    snapshot = candidates_snapshot(service, exclude=[driver.pk] if driver else []) if auto else []
    with transaction.atomic():
        # Locks in the fixed order: booking (the parent), resource, staff.
        parent = _lock_parent(parent)
        if slot is not None:
            slot = slot_booking.hold(organization, slot, stale_count=stale)
        if resource is not None:
            _hold_resource(resource, starts_at, ends_at)
        booking = Booking(
            organization=organization,
            service=service,
            workflow=wf.name,
            status=wf.table.initial,
            customer=customer,
            customer_name=customer_name,
            customer_phone=customer_phone,
            starts_at=starts_at,
            ends_at=ends_at,
            resource=resource,
            assignee=assignee,
            assigned_at=now() if assignee else None,
            driver=driver,
            parent=parent,
            notes=notes,
            slot=slot,
        )
        claimed = _assign_automatically(booking, snapshot) if auto else set()
        claim_capacity(holders(booking) - claimed, override=override_capacity)
        booking.save()
        # The creation's events in one outbox insert (and one look at webhook endpoints).
        with bulk():
            _record_creation(booking, acting_user, auto=auto, override=override_capacity, past=past)
        if slot is not None:
            slot_booking.announce(organization, slot)
    logger.info(
        "booking_created org=%s booking=%s workflow=%s assignee=%s",
        organization.slug,
        booking.pk,
        wf.name,
        booking.assignee_id,
    )
    return booking


@org_scoped
def booking_update(
    *,
    booking: Booking,
    acting_user: User | None,
    override_capacity: bool = False,
    note: str = "",
    **changes,
) -> Booking:
    """Seed 002's status update: `status`, `assignee`, `driver`, `notes`,
    `therapist_accepted`, `driver_accepted`, `rejection_reason`, all in one transaction.

    People change first, so `{"status": "driver_assigned_pickup", "driver": …}` works.
    A status equal to the current one is not a move and is ignored.
    """
    return update_booking(
        booking,
        acting_user,
        changes,
        action="bookings.update",
        override=override_capacity,
        note=note,
    )


@org_scoped
def booking_transition(
    *,
    booking: Booking,
    status: str,
    acting_user: User | None,
    note: str = "",
    rejection_reason: str | None = None,
    override_capacity: bool = False,
) -> Booking:
    """Move the booking to `status`; anything outside its workflow's table is a 409."""
    changes = {"status": status}
    if rejection_reason is not None:
        changes["rejection_reason"] = rejection_reason
    return update_booking(
        booking,
        acting_user,
        changes,
        action="bookings.transition",
        override=override_capacity,
        note=note,
        strict_status=True,
    )


@org_scoped
@transaction.atomic
def booking_delete(*, booking: Booking, acting_user: User | None, note: str = "") -> None:
    """Delete a booking and its add-ons; whoever they occupied is told their new workload."""
    booking = lock_objects.lock_booking(booking.pk)
    organization, booking_id = booking.organization, booking.pk
    require(organization, acting_user, "bookings.delete")
    addons = list(booking.addons.all()) if booking.workflow in PARENT_WORKFLOWS else []
    occupied = occupancy(booking, addons)
    for gone in [*addons, booking]:
        audit(gone, AuditAction.DELETED, acting_user, note=note, assignee=gone.assignee_id)
        emit_booking_updated(gone, "deleted")
    slot = booking.slot
    booking.delete()
    if slot is not None:
        emit_slot_updated(organization, slot_row(slot))
    emit_workload_updated(organization, set(occupied))
    logger.info("booking_deleted org=%s booking=%s", organization.slug, booking_id)
