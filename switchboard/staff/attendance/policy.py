"""An organisation's attendance thresholds: read (the defaults until it sets any) and
changed by its owners, one transaction, within ranges that keep the rules meaningful."""

from django.db import transaction

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.common.errors import InvalidInput
from switchboard.common.tenancy import org_scoped
from switchboard.staff.attendance.models import AttendancePolicy
from switchboard.staff.attendance.selectors import policy_for

# Inclusive bounds per field: a day at most for minutes, two days for an open log.
RANGES = {
    "grace_minutes": (0, 120),
    "early_allowance_minutes": (0, 720),
    "late_allowance_minutes": (0, 720),
    "half_day_minutes": (0, 1440),
    "absent_minutes": (0, 1440),
    "max_open_hours": (1, 48),
}
FIELDS = [*RANGES, "paid_breaks"]


def _check(values: dict) -> None:
    errors = {}
    for field, (low, high) in RANGES.items():
        value = values[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[field] = f"A whole number from {low} to {high}."
    if not isinstance(values["paid_breaks"], bool):
        errors["paid_breaks"] = "true or false."
    if not errors and values["absent_minutes"] > values["half_day_minutes"]:
        errors["absent_minutes"] = "At most half_day_minutes (absent is below half day)."
    if errors:
        raise InvalidInput(errors)


@org_scoped
@transaction.atomic
def attendance_policy_update(
    *, organization: Organization, acting_user: User | None, **changes
) -> AttendancePolicy:
    """Change some thresholds; the others keep their value (or default)."""
    permissions.require(organization, acting_user, "attendance.policy_edit")
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise InvalidInput({field: "Not a policy setting." for field in sorted(unknown)})
    # The organisation's row is locked so that two owners' edits (even the two that would
    # create the row) apply one after the other, not over each other.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    policy = policy_for(organization)
    values = {field: getattr(policy, field) for field in FIELDS} | changes
    _check(values)
    for field, value in values.items():
        setattr(policy, field, value)
    policy.save()
    return policy
