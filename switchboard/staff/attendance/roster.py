"""Every write to the roster: shifts one at a time, in bulk (all or nothing), a week copied.
A person's shifts never overlap (409)."""

from datetime import date, timedelta

from django.db import transaction

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.common.errors import Conflict, InvalidInput, NotFound
from switchboard.common.tenancy import in_scope, org_scoped
from switchboard.staff.attendance.events import emit_roster_bulk_updated, emit_roster_updated
from switchboard.staff.attendance.models import Shift
from switchboard.staff.attendance.selectors import overlapping_shift
from switchboard.staff.attendance.services import lock_staff
from switchboard.staff.models import Department, StaffMember

SHIFT_FIELDS = ("staff", "date", "start_time", "end_time", "department", "location", "notes")


def _apply(shift: Shift, changes: dict) -> Shift:
    unknown = set(changes) - set(SHIFT_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    for field, value in changes.items():
        if field in ("staff", "department") and value is not None:
            value = in_scope(value)
        setattr(shift, field, value)
    if shift.start_time == shift.end_time:
        raise InvalidInput({"end_time": "A shift needs a length (end differs from start)."})
    return shift


def _save(shift: Shift) -> Shift:
    lock_staff(shift.staff_id)
    clash = overlapping_shift(shift, shift.organization.tzinfo, exclude=shift.pk)
    if clash is not None:
        raise Conflict(
            "This person already has a shift at that time.",
            overlapping_shift_id=clash.pk,
        )
    shift.save()
    return shift


def _create(organization, values) -> Shift:
    missing = [f for f in ("staff", "date", "start_time", "end_time") if values.get(f) is None]
    if missing:
        raise InvalidInput({field: "This field is required." for field in missing})
    return _save(_apply(Shift(organization=organization), values))


@org_scoped
@transaction.atomic
def shift_create(*, organization: Organization, acting_user: User | None, **values) -> Shift:
    permissions.require(organization, acting_user, "roster.edit")
    shift = _create(organization, values)
    emit_roster_updated(shift, "created")
    return shift


@org_scoped
@transaction.atomic
def shift_update(*, shift: Shift, acting_user: User | None, **changes) -> Shift:
    permissions.require(shift.organization, acting_user, "roster.edit")
    shift = in_scope(shift)
    previous = shift.department
    _save(_apply(shift, changes))
    emit_roster_updated(shift, "updated", departments=[previous])
    return shift


@org_scoped
@transaction.atomic
def shift_delete(*, shift: Shift, acting_user: User | None) -> None:
    permissions.require(shift.organization, acting_user, "roster.edit")
    shift = in_scope(shift)
    pk = shift.pk
    shift.delete()
    shift.pk = pk  # the event names the shift that was
    emit_roster_updated(shift, "deleted")


@org_scoped
@transaction.atomic
def roster_bulk_update(
    *,
    organization: Organization,
    acting_user: User | None,
    create: list[dict] = (),
    update: list[dict] = (),
    delete: list[int] = (),
) -> list[Shift]:
    """Create, change and delete many shifts in one transaction: any refusal undoes all.
    `update` items carry their shift's `id`. One `bulk_updated` event."""
    permissions.require(organization, acting_user, "roster.edit")
    shifts = Shift.objects.filter(organization=organization)
    touched, people = [], {}
    for pk in delete:
        shift = shifts.filter(pk=pk).select_related("staff").first()
        if shift is None:
            raise NotFound(f"No shift {pk}.")
        people[shift.staff_id] = shift.staff
        shift.delete()
    for item in update:
        item = dict(item)
        shift = shifts.filter(pk=item.pop("id", None)).first()
        if shift is None:
            raise NotFound("No such shift.")
        touched.append(_save(_apply(shift, item)))
    touched += [_create(organization, dict(values)) for values in create]
    for shift in touched:
        people[shift.staff_id] = shift.staff
    emit_roster_bulk_updated(organization, people.values())
    return touched


@org_scoped
@transaction.atomic
def roster_copy_week(
    *, organization: Organization, acting_user: User | None, source_week: date, target_week: date
) -> list[Shift]:
    """Copy every shift of the week holding `source_week` to the week holding
    `target_week`, same weekdays and times; a copy that would overlap refuses the whole."""
    permissions.require(organization, acting_user, "roster.edit")
    source = source_week - timedelta(days=source_week.weekday())
    target = target_week - timedelta(days=target_week.weekday())
    if source == target:
        raise InvalidInput({"target_week": "Copy to another week."})
    week = Shift.objects.filter(
        organization=organization, date__gte=source, date__lt=source + timedelta(days=7)
    ).select_related("staff__user", "department")
    copies = []
    for shift in week:
        copy = Shift(
            organization=organization,
            staff=shift.staff,
            date=shift.date + (target - source),
            start_time=shift.start_time,
            end_time=shift.end_time,
            department=shift.department,
            location=shift.location,
            notes=shift.notes,
        )
        copies.append(_save(copy))
    emit_roster_bulk_updated(organization, {c.staff_id: c.staff for c in copies}.values())
    return copies


def department_of(organization, slug: str | None) -> Department | None:
    if slug is None:
        return None
    found = Department.objects.filter(organization=organization, slug=slug).first()
    if found is None:
        raise InvalidInput({"department": f"No department '{slug}'."})
    return found


def staff_of(organization, pk: int | None) -> StaffMember | None:
    if pk is None:
        return None
    found = StaffMember.objects.filter(organization=organization, pk=pk).first()
    if found is None:
        raise InvalidInput({"staff": "No such staff member."})
    return found
