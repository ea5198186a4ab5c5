"""What every bookings service shares: who is acting, whom a booking occupies, claiming
capacity under a lock, checking people and the audit row."""

from collections import Counter

from switchboard.accounts.models import Membership
from switchboard.bookings import lock_objects
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.selectors import workloads
from switchboard.bookings.workflows import OWNER, SYSTEM, BookingWorkflow, workflow
from switchboard.catalog.selectors import is_qualified
from switchboard.common.errors import Conflict, Forbidden, InvalidInput

DRIVER_SKILL = "driver"


def acting_role(organization, user) -> str:
    """The role the workflow tables know: a membership role, or `system` for jobs."""
    if user is None:
        return SYSTEM
    if user.is_superuser:
        return OWNER
    role = (
        Membership.objects.filter(organization=organization, user=user, is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise Forbidden("You are not a member of this organisation.")
    return role


def holders(booking: Booking, *, parent: Booking | None = None) -> set[int]:
    """The staff ids `booking` occupies in its current state (selectors' rule, in Python).

    `parent` overrides the add-on's parent instance, e.g. a parent about to change status.
    """
    wf = workflow(booking.workflow)
    if wf.is_addon:
        parent = parent or booking.parent
        if (
            booking.assignee_id
            and parent is not None
            and parent.workflow in wf.parent_workflows
            and wf.table.is_active(booking.status)
            and workflow(parent.workflow).table.is_active(parent.status)
        ):
            return {booking.assignee_id}
        return set()
    held = set()
    if booking.assignee_id and wf.table.is_active(booking.status):
        held.add(booking.assignee_id)
    if booking.driver_id and booking.status in wf.driver_active:
        held.add(booking.driver_id)
    return held


def occupancy(booking: Booking, addons=()) -> Counter:
    """How many times each staff member is occupied by `booking` and its add-ons."""
    held = Counter(holders(booking))
    for addon in addons:
        held.update(holders(addon, parent=booking))
    return held


def claim_capacity(staff_ids, *, override: bool) -> None:
    """Lock the staff rows, count again, and refuse anyone already at capacity.

    Called before the write that makes the booking count for them, so the count does not
    include it yet. `override` (an operator's explicit choice) lets a full person through.
    """
    ids = set(staff_ids)
    if not ids:
        return
    lock_objects.lock_staff(ids)
    loads = workloads(ids)
    full = sorted(pk for pk, (load, capacity) in loads.items() if load >= capacity)
    if full and not override:
        load, capacity = loads[full[0]]
        raise Conflict(
            "This staff member is at capacity; pass override_capacity=true to assign anyway.",
            staff_id=full[0],
            current_assignments=load,
            capacity=capacity,
        )


def check_assignee(service, staff, field: str = "assignee") -> None:
    if not staff.is_active:
        raise InvalidInput({field: "This staff member is not active."})
    if is_qualified(service, staff):
        return
    skill = service.skill
    if skill is not None and not staff.skills.filter(pk=skill.pk).exists():
        message = f"{staff.full_name} does not have the skill '{skill.slug}' this service needs."
    else:
        message = f"{staff.full_name} does not offer this service."
    raise InvalidInput({field: message})


def check_driver(wf: BookingWorkflow, staff, *, assignee_id) -> None:
    if not wf.has_driver:
        raise InvalidInput({"driver": f"A {wf.name} booking has no driver."})
    if not staff.is_active:
        raise InvalidInput({"driver": "This staff member is not active."})
    if not staff.skills.filter(slug=DRIVER_SKILL).exists():
        raise InvalidInput({"driver": f"{staff.full_name} does not have the skill 'driver'."})
    if staff.pk == assignee_id:
        raise InvalidInput({"driver": "The driver cannot be the booking's own assignee."})


def audit(booking: Booking, action: str, by, *, from_status=None, to_status=None, note="", **data):
    return BookingTransition(
        organization_id=booking.organization_id,
        booking=booking,
        booking_ref=booking.pk,
        action=action,
        from_status=booking.status if from_status is None else from_status,
        to_status=booking.status if to_status is None else to_status,
        by=by,
        note=note,
        data=data,
    )
