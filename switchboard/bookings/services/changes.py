"""One engine for every change to an existing booking (status, people, flags, notes).

The named services (`booking_transition`, `booking_assign`, …) all end here, inside their
transaction and with the booking row locked, so that each change is validated against the
workflow, runs the side effects the workflow declares for its moves, claims capacity for
whoever it starts to occupy, writes its audit rows and emits its events in one place.

This engine knows no particular workflow: what a move does beyond changing the status is
the workflow's declaration (`bookings/workflows.py`, `bookings/effects.py`).
"""

from django.db import transaction

from switchboard.accounts.models import User
from switchboard.accounts.permissions import CUSTOMER, MANAGERS_AND_JOBS, STAFF, require
from switchboard.bookings import lock_objects
from switchboard.bookings.effects import Step, run_after, run_hooks
from switchboard.bookings.events import emit_booking_updated, emit_workload_updated
from switchboard.bookings.models import AuditAction, Booking
from switchboard.bookings.services.audit import audit
from switchboard.bookings.services.capacity import claim_capacity, occupancy
from switchboard.bookings.services.validation import check_assignee, check_driver
from switchboard.bookings.workflows import PARENT_WORKFLOWS, workflow
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from switchboard.common.tenancy import in_scope
from switchboard.realtime.publish import bulk
from switchboard.slots.events import emit_slot_updated
from switchboard.slots.selectors import slot_row
from switchboard.staff.selectors import staff_for_user

UPDATE_FIELDS = frozenset(
    {
        "status",
        "assignee",
        "driver",
        "notes",
        "therapist_accepted",
        "driver_accepted",
        "rejection_reason",
    }
)
STAFF_FIELDS = frozenset(
    {"status", "notes", "therapist_accepted", "driver_accepted", "rejection_reason"}
)


def check_may_change(booking: Booking, role: str, user: User | None, changes, override: bool):
    """Field-level rules of who may touch what; the workflow table then checks the move."""
    unknown = set(changes) - UPDATE_FIELDS
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    if role in MANAGERS_AND_JOBS:
        return
    if override:
        raise Forbidden("Only owners and operators can override capacity.")
    if role == CUSTOMER:
        _customer_may_change(booking, user, changes)
    elif role == STAFF:
        _staff_may_change(booking, user, changes)
    else:
        raise Forbidden()


def _customer_may_change(booking: Booking, user: User, changes) -> None:
    if booking.customer_id != user.pk:
        raise NotFound("No such booking.")  # another customer's booking does not exist for them
    if set(changes) - {"status"}:
        raise Forbidden("Customers can only change the status of their own bookings.")


def _staff_may_change(booking: Booking, user: User, changes) -> None:
    me = staff_for_user(booking.organization, user)
    if me is None or me.pk not in (booking.assignee_id, booking.driver_id):
        raise Forbidden(_not_yours(booking, changes))
    if set(changes) - STAFF_FIELDS:
        raise Forbidden("Only owners and operators assign people.")
    if "therapist_accepted" in changes and me.pk != booking.assignee_id:
        raise Forbidden("Only the assigned therapist can accept the booking.")
    if "driver_accepted" in changes and me.pk != booking.driver_id:
        raise Forbidden("Only the assigned driver can accept the pickup.")
    if "status" in changes:
        _check_party(booking, me, changes["status"])


def _not_yours(booking: Booking, changes) -> str:
    if "driver_accepted" in changes:
        if booking.driver_id is not None:
            return "Another driver has this pickup; only that driver or an operator can change it."
        return "No pickup is offered to you on this booking; an operator assigns the driver."
    return "Staff can only change their own assignments (as assignee or driver)."


def _check_party(booking: Booking, me, target: str) -> None:
    """Among staff, the driver takes the driving moves and the assignee the others."""
    wf = workflow(booking.workflow)
    if target not in wf.table.next_states(booking.status):
        return  # not a move of the table: the table's own 409 says which are
    party = wf.party(booking.status, target, has_driver=booking.driver_id is not None)
    if (booking.driver_id if party == "driver" else booking.assignee_id) == me.pk:
        return
    who = "the booking's driver" if party == "driver" else "the booking's assignee"
    raise Forbidden(f"Moving from '{booking.status}' to '{target}' is for {who} (or an operator).")


class _Change:
    """The state of one change while it is applied: what moved, the audit rows to write
    and the side effects still to run once the booking is saved."""

    def __init__(self, booking: Booking, user, note: str):
        self.booking, self.user, self.note = booking, user, note
        self.wf = workflow(booking.workflow)
        self.changed: set[str] = set()
        self.rows: list[tuple[tuple, dict]] = []
        self.steps: list[tuple[Step, list]] = []
        self.previous = {
            "status": booking.status,
            "assignee_id": booking.assignee_id,
            "driver_id": booking.driver_id,
        }

    def refuse_if_finished(self, field: str):
        if self.wf.table.is_terminal(self.booking.status):
            raise Conflict(
                f"A {self.booking.status} booking cannot change its {field}.",
                status=self.booking.status,
                allowed=[],
            )

    def set_assignee(self, staff, *, override: bool, auto: bool):
        booking = self.booking
        if (staff.pk if staff else None) == booking.assignee_id:
            return
        self.refuse_if_finished("assignee")
        if staff is not None:
            if not auto:  # an automatic choice is a qualified candidate read under the lock
                staff = in_scope(staff)  # the booking's organisation only
                check_assignee(booking.service, staff)
            if staff.pk == booking.driver_id:
                raise InvalidInput({"assignee": "The assignee cannot be the booking's driver."})
        action = AuditAction.ASSIGNED if staff else AuditAction.UNASSIGNED
        self._row(
            action,
            note=self.note,
            assignee_from=booking.assignee_id,
            assignee_to=staff.pk if staff else None,
            automatic=auto,
            override_capacity=override,
        )
        booking.assignee = staff
        booking.assigned_at = now() if staff else None
        # A new person has not accepted anything yet: the offer starts again.
        booking.therapist_accepted, booking.therapist_accepted_at = False, None
        self.changed |= {"assignee", "therapist_accepted"}

    def set_driver(self, staff, *, override: bool):
        booking = self.booking
        if (staff.pk if staff else None) == booking.driver_id:
            return
        self.refuse_if_finished("driver")
        if staff is not None:
            staff = in_scope(staff)  # the booking's organisation only
            check_driver(self.wf, staff, assignee_id=booking.assignee_id)
        self._row(
            AuditAction.DRIVER,
            note=self.note,
            driver_from=booking.driver_id,
            driver_to=staff.pk if staff else None,
            override_capacity=override,
        )
        booking.driver = staff
        booking.driver_accepted, booking.driver_accepted_at = False, None
        self.changed |= {"driver", "driver_accepted"}

    def set_flag(self, field: str, value: bool):
        booking = self.booking
        if field not in self.wf.accepts:
            raise InvalidInput({field: f"A {self.wf.name} booking is not accepted by people."})
        person = booking.assignee_id if field == "therapist_accepted" else booking.driver_id
        if value and person is None:
            raise InvalidInput({field: "Nobody is assigned to accept it."})
        if getattr(booking, field) == value:
            return
        setattr(booking, field, value)
        setattr(booking, f"{field}_at", now() if value else None)
        self.changed.add(field)
        self._row(AuditAction.UPDATED, **{field: value})

    def set_notes(self, notes: str):
        if notes == self.booking.notes:
            return
        self.booking.notes = notes
        self.changed.add("notes")
        self._row(AuditAction.UPDATED, notes=notes)

    def move(self, target: str, role: str, *, strict: bool, rejection_reason: str | None):
        booking = self.booking
        if target not in self.wf.table.states:
            raise InvalidInput(
                {"status": f"'{target}' is not a status of the {self.wf.name} workflow."}
            )
        if target == booking.status and not strict:
            return
        self.wf.table.check(booking.status, target, role)
        self._check_requirement(target, rejection_reason)
        source = booking.status
        booking.status = target
        inputs = {"rejection_reason": rejection_reason} if rejection_reason else {}
        step = Step(booking, source, target, self.user, now(), inputs, self.changed)
        effects = self.wf.effects_of(source, target)
        run_hooks(effects, step)
        self.steps.append((step, effects))
        self.changed.add("status")
        self._row(
            AuditAction.TRANSITION, from_status=source, to_status=target, note=self.note, **inputs
        )

    def _row(self, action: str, **values):
        # Statuses default to the booking's at the time of the change, not of the write.
        values.setdefault("from_status", self.booking.status)
        values.setdefault("to_status", self.booking.status)
        self.rows.append(((self.booking, action, self.user), values))

    def write(self):
        """Save the booking, then its audit rows."""
        self.booking.updated_at = now()
        self.booking.save()
        for args, values in self.rows:
            audit(*args, **values)

    def _check_requirement(self, target: str, rejection_reason: str | None):
        field = self.wf.required_field(target)
        if field == "driver" and self.booking.driver_id is None:
            raise InvalidInput({"driver": f"Moving to '{target}' needs a driver."})
        if field == "rejection_reason" and not (rejection_reason or "").strip():
            raise InvalidInput({"rejection_reason": "Say why the booking is rejected."})


def apply_changes(
    booking: Booking,
    *,
    role: str,
    user: User | None,
    changes: dict,
    override: bool = False,
    note: str = "",
    strict_status: bool = False,
    claimed=frozenset(),
    auto: bool = False,
) -> Booking:
    """Apply `changes` to a locked `booking`; the caller holds the transaction.

    `claimed` are staff whose capacity the caller has already checked under the lock.
    """
    addons = list(booking.addons.all()) if booking.workflow in PARENT_WORKFLOWS else []
    before = occupancy(booking, addons)
    change = _Change(booking, user, note)
    if "assignee" in changes:
        change.set_assignee(changes["assignee"], override=override, auto=auto)
    if "driver" in changes:
        change.set_driver(changes["driver"], override=override)
    reason = changes.get("rejection_reason")
    needing = change.wf.targets_requiring("rejection_reason")
    if reason is not None and changes.get("status") not in needing:
        statuses = " or ".join(f"'{target}'" for target in needing) or "that takes one"
        raise InvalidInput({"rejection_reason": f"Give a reason together with status {statuses}."})
    if "status" in changes:
        change.move(changes["status"], role, strict=strict_status, rejection_reason=reason)
    for flag in ("therapist_accepted", "driver_accepted"):
        if flag in changes:
            change.set_flag(flag, changes[flag])
    if "notes" in changes:
        change.set_notes(changes["notes"])
    if not change.rows:
        return booking
    after = occupancy(booking, addons)
    claim_capacity({pk for pk in after if after[pk] > before[pk]} - set(claimed), override=override)
    change.write()
    with bulk():  # the change's events in one outbox insert
        emit_booking_updated(booking, "updated", changed=change.changed, previous=change.previous)
        if booking.slot_id and "status" in change.changed:
            # A cancelled or finished booking may have given its seat back.
            emit_slot_updated(booking.organization, slot_row(booking.slot))
        emit_workload_updated(
            booking.organization, {pk for pk in before | after if before[pk] != after[pk]}
        )
    for step, effects in change.steps:
        run_after(effects, step)
    return booking


def update_booking(
    booking: Booking,
    acting_user: User | None,
    changes: dict,
    *,
    action: str,
    override: bool = False,
    note: str = "",
    strict_status: bool = False,
) -> Booking:
    """Lock the booking, check who may take `action` and change what, apply: one
    transaction."""
    with transaction.atomic():
        booking = lock_objects.lock_booking(booking.pk)
        role = require(booking.organization, acting_user, action)
        check_may_change(booking, role, acting_user, changes, override)
        return apply_changes(
            booking,
            role=role,
            user=acting_user,
            changes=changes,
            override=override,
            note=note,
            strict_status=strict_status,
        )
