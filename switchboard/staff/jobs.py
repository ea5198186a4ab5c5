"""The staff app's jobs, registered from `StaffConfig.ready()`.

`close_forgotten_logs` runs every few minutes: a clock log left open past its shift's end
plus the late allowance (or `max_open_hours` with no shift) is closed at the shift end,
`auto_closed` and flagged for a manager's review. Idempotent: a closed log is not due.
"""

from datetime import timedelta

from switchboard.accounts.models import Organization
from switchboard.common.tenancy import cross_org
from switchboard.scheduler import registry
from switchboard.scheduler.schedules import Every
from switchboard.staff.attendance.models import ClockLog
from switchboard.staff.attendance.services import attendance_close_forgotten

CLOSE_FORGOTTEN_JOB = "close_forgotten_logs"
EVERY = timedelta(minutes=5)


def close_forgotten_logs() -> dict:
    with cross_org():
        org_ids = set(
            ClockLog.objects.filter(clock_out_at__isnull=True).values_list(
                "organization_id", flat=True
            )
        )
        organizations = list(Organization.objects.filter(pk__in=org_ids))
    closed = sum(
        attendance_close_forgotten(organization=org, acting_user=None) for org in organizations
    )
    return {"closed": closed}


def register() -> None:
    registry.register(CLOSE_FORGOTTEN_JOB, Every(EVERY), close_forgotten_logs)
