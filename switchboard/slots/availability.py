"""Writes of provider availability and exceptions. Each regenerates the affected window
at once (through `services.regenerate`, the same run as maintenance) and returns what
changed with the row."""

import logging
from datetime import date, time

from django.db import transaction

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.common.errors import InvalidInput
from switchboard.common.tenancy import in_scope, org_scoped
from switchboard.slots.models import AvailabilityException, ProviderAvailability
from switchboard.slots.services import SlotChanges, regenerate
from switchboard.staff.models import StaffMember

logger = logging.getLogger(__name__)

AVAILABILITY_FIELDS = ("weekday", "start_time", "end_time")
EXCEPTION_FIELDS = ("date", "is_off", "start_time", "end_time", "note")


def _require_for(organization, acting_user, staff: StaffMember | None) -> None:
    """Managers edit anyone's (and the organisation's holidays); staff their own."""
    role = permissions.acting_role(organization, acting_user)
    if permissions.may(role, "availability.edit"):
        return
    own = staff is not None and acting_user is not None and staff.user_id == acting_user.pk
    if not own:
        permissions.require(organization, acting_user, "availability.edit")
    permissions.require(organization, acting_user, "availability.edit_own")


def _check_staff(staff: StaffMember | None) -> StaffMember | None:
    staff = in_scope(staff)
    if staff is not None and not staff.is_active:
        raise InvalidInput({"staff": "This staff member is not active."})
    return staff


def _check_window(values: dict) -> None:
    errors = {}
    weekday = values.get("weekday")
    if "weekday" in values and (not isinstance(weekday, int) or not 0 <= weekday <= 6):
        errors["weekday"] = "A weekday is 0 (Monday) to 6 (Sunday)."
    for field in ("start_time", "end_time"):
        if field in values and not isinstance(values[field], time):
            errors[field] = "Give a time of day (HH:MM)."
    if errors:
        raise InvalidInput(errors)


def _check_unique_window(staff, weekday, start_time, exclude_pk=None) -> None:
    taken = ProviderAvailability.objects.filter(
        staff=staff, weekday=weekday, start_time=start_time
    ).exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput({"start_time": "This staff member already has a window starting then."})


@org_scoped
@transaction.atomic
def availability_create(
    *,
    organization: Organization,
    staff: StaffMember,
    weekday: int,
    start_time: time,
    end_time: time,
    acting_user: User | None,
) -> tuple[ProviderAvailability, SlotChanges]:
    staff = _check_staff(staff)
    if staff is None:
        raise InvalidInput({"staff": "Whose availability is it?"})
    _require_for(organization, acting_user, staff)
    _check_window({"weekday": weekday, "start_time": start_time, "end_time": end_time})
    _check_unique_window(staff, weekday, start_time)
    row = ProviderAvailability.objects.create(
        organization=organization,
        staff=staff,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
    )
    logger.info("availability_created org=%s staff=%s row=%s", organization.slug, staff.pk, row.pk)
    return row, regenerate(organization, provider=staff)


@org_scoped
@transaction.atomic
def availability_update(
    *, availability: ProviderAvailability, acting_user: User | None, **changes
) -> tuple[ProviderAvailability, SlotChanges]:
    row = ProviderAvailability.objects.select_for_update().get(pk=in_scope(availability).pk)
    organization = row.organization
    _require_for(organization, acting_user, row.staff)
    unknown = set(changes) - set(AVAILABILITY_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    _check_window(changes)
    for field, value in changes.items():
        setattr(row, field, value)
    _check_unique_window(row.staff, row.weekday, row.start_time, exclude_pk=row.pk)
    row.save()
    return row, regenerate(organization, provider=row.staff)


@org_scoped
@transaction.atomic
def availability_delete(
    *, availability: ProviderAvailability, acting_user: User | None
) -> SlotChanges:
    row = in_scope(availability)
    organization, staff = row.organization, row.staff
    _require_for(organization, acting_user, staff)
    row.delete()
    logger.info("availability_deleted org=%s staff=%s", organization.slug, staff.pk)
    return regenerate(organization, provider=staff)


def _check_exception(values: dict) -> None:
    errors = {}
    if "date" in values and not isinstance(values["date"], date):
        errors["date"] = "Give a date (YYYY-MM-DD)."
    if not values.get("is_off", True):
        for field in ("start_time", "end_time"):
            if not isinstance(values.get(field), time):
                errors[field] = "Give the hours of that day, or mark it off."
    if len(values.get("note") or "") > 200:
        errors["note"] = "At most 200 characters."
    if errors:
        raise InvalidInput(errors)


def _check_unique_exception(organization, staff, day, exclude_pk=None) -> None:
    taken = AvailabilityException.objects.for_org(organization).filter(staff=staff, date=day)
    if taken.exclude(pk=exclude_pk).exists():
        raise InvalidInput({"date": "There is already an exception for that date."})


@org_scoped
@transaction.atomic
def exception_create(
    *,
    organization: Organization,
    date: date,
    staff: StaffMember | None = None,
    is_off: bool = True,
    start_time: time | None = None,
    end_time: time | None = None,
    note: str = "",
    acting_user: User | None,
) -> tuple[AvailabilityException, SlotChanges]:
    """A day off or other hours for one staff member, or (no staff) for everyone."""
    staff = _check_staff(staff)
    _require_for(organization, acting_user, staff)
    values = {"date": date, "is_off": is_off, "start_time": start_time, "end_time": end_time}
    _check_exception({**values, "note": note})
    _check_unique_exception(organization, staff, date)
    if is_off:
        values.update(start_time=None, end_time=None)
    row = AvailabilityException.objects.create(
        organization=organization, staff=staff, note=note, **values
    )
    logger.info("availability_exception_created org=%s row=%s", organization.slug, row.pk)
    return row, regenerate(organization, provider=staff)


@org_scoped
@transaction.atomic
def exception_update(
    *, exception: AvailabilityException, acting_user: User | None, **changes
) -> tuple[AvailabilityException, SlotChanges]:
    row = AvailabilityException.objects.select_for_update().get(pk=in_scope(exception).pk)
    organization = row.organization
    _require_for(organization, acting_user, row.staff)
    unknown = set(changes) - set(EXCEPTION_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    merged = {field: changes.get(field, getattr(row, field)) for field in EXCEPTION_FIELDS}
    _check_exception(merged)
    if "date" in changes:
        _check_unique_exception(organization, row.staff, changes["date"], exclude_pk=row.pk)
    if merged["is_off"]:
        merged.update(start_time=None, end_time=None)
    for field, value in merged.items():
        setattr(row, field, value)
    row.save()
    return row, regenerate(organization, provider=row.staff)


@org_scoped
@transaction.atomic
def exception_delete(*, exception: AvailabilityException, acting_user: User | None) -> SlotChanges:
    row = in_scope(exception)
    organization, staff = row.organization, row.staff
    _require_for(organization, acting_user, staff)
    row.delete()
    return regenerate(organization, provider=staff)
