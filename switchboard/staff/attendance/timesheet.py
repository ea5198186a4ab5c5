"""The timesheet: per person and day, the shift, the punches, breaks, worked time and the
attendance flags, computed from shifts and logs (never stored).

A day with a shift gets one row per shift (`selectors.shift_attendance`); logs that belong
to no shift are summed per person and local day into an `unscheduled` row. Five queries
whatever the range: the policy, the names, the shifts, the logs, their breaks. A month of
500 people is 15,500 shifts and as many logs and breaks, so they are read as plain values
(`_Shift`, `_Log`) rather than model instances, whose construction dominated the time.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import attrgetter

from switchboard.accounts import permissions
from switchboard.common.clock import now
from switchboard.common.errors import Forbidden
from switchboard.staff.attendance.models import Break, ClockLog, Shift
from switchboard.staff.attendance.selectors import (
    break_minutes,
    logs_for_shift,
    minutes_between,
    policy_for,
    shift_attendance,
    shift_window,
)
from switchboard.staff.models import StaffMember

MAX_DAYS = 62
UNSCHEDULED = "unscheduled"


@dataclass(frozen=True)
class TimesheetRow:
    staff_id: int
    staff_name: str
    date: date
    shift_start: time | None
    shift_end: time | None
    clock_in_at: datetime | None
    clock_out_at: datetime | None
    break_minutes: int
    worked_minutes: int
    late: bool
    early_exit: bool
    overtime_minutes: int
    status: str


def timesheet_staff(organization, user, wanted: int | None = None) -> int | None:
    """Whose timesheet `user` reads: `wanted` (None: everyone) with the row
    `attendance.timesheet_all`, else their own profile's id (0 without one). Asking for
    someone else's without the row is Forbidden."""
    if permissions.may(permissions.acting_role(organization, user), "attendance.timesheet_all"):
        return wanted
    own = StaffMember.objects.filter(organization=organization, user=user) if user else None
    mine = own.values_list("pk", flat=True).first() if own is not None else None
    if wanted is not None and wanted != mine:
        raise Forbidden("You may read your own timesheet only.")
    return mine or 0


@dataclass(frozen=True, slots=True)
class _Shift:
    """What `shift_window` and `shift_attendance` read of a shift."""

    staff_id: int
    date: date
    start_time: time
    end_time: time


class _Breaks(list):
    def all(self):  # read like the related manager `log.breaks`
        return self


@dataclass(slots=True)
class _Log:
    pk: int
    staff_id: int
    clock_in_at: datetime
    clock_out_at: datetime | None
    breaks: _Breaks


@dataclass(frozen=True, slots=True)
class _Break:
    started_at: datetime
    ended_at: datetime | None


def timesheet(organization, date_from: date, date_to: date, *, staff=None, at=None) -> list:
    """Rows ordered by person, day and shift start."""
    at, zone, policy = at or now(), organization.tzinfo, policy_for(organization)
    shifts = Shift.objects.filter(organization=organization, date__range=(date_from, date_to))
    # Logs may belong to a shift of the day before (overnight) or start before its start.
    low = datetime.combine(date_from - timedelta(days=1), datetime.min.time(), zone)
    high = datetime.combine(date_to + timedelta(days=3), datetime.min.time(), zone)
    logs = ClockLog.objects.filter(organization=organization, clock_in_at__range=(low, high))
    people = StaffMember.objects.filter(organization=organization)
    if staff is not None:
        shifts, logs = shifts.filter(staff_id=staff), logs.filter(staff_id=staff)
        people = people.filter(pk=staff)
    names = {person.pk: person.full_name for person in people.select_related("user")}
    by_staff = _logs_by_staff(logs, organization, low, high, staff)
    rows, matched = [], set()
    fields = ("staff_id", "date", "start_time", "end_time")
    for values in shifts.values_list(*fields):
        shift = _Shift(*values)
        start, end = shift_window(shift, zone)
        mine = _near(by_staff.get(shift.staff_id), start, end, policy)
        matched.update(log.pk for log in logs_for_shift(start, end, mine, policy))
        rows.append(_shift_row(shift_attendance(shift, mine, policy, zone, at), names))
    loose = [log for group in by_staff.values() for log in group if log.pk not in matched]
    rows += _unscheduled_rows(loose, zone, date_from, date_to, policy, at, names)
    return sorted(rows, key=lambda r: (r.staff_name, r.staff_id, r.date, r.shift_start or time()))


def _near(logs, start, end, policy) -> list:
    """The slice of `logs` (sorted by clock-in, see `_logs_by_staff`) that
    `logs_for_shift` may pick, found by bisection rather than a scan of the month."""
    if not logs:
        return []
    low = start - timedelta(minutes=policy.early_allowance_minutes)
    high = end + timedelta(minutes=policy.late_allowance_minutes)
    key = attrgetter("clock_in_at")
    return logs[bisect_left(logs, low, key=key) : bisect_right(logs, high, key=key)]


def _logs_by_staff(logs, organization, low, high, staff) -> dict[int, list]:
    """The logs per person, each with its breaks, in two queries."""
    by_log: dict[int, _Breaks] = {}
    breaks = Break.objects.filter(
        log__organization=organization, log__clock_in_at__range=(low, high)
    )
    if staff is not None:
        breaks = breaks.filter(log__staff_id=staff)
    for log_id, started_at, ended_at in breaks.values_list("log_id", "started_at", "ended_at"):
        by_log.setdefault(log_id, _Breaks()).append(_Break(started_at, ended_at))
    by_staff: dict[int, list] = {}
    fields = ("pk", "staff_id", "clock_in_at", "clock_out_at")
    for pk, staff_id, clock_in_at, clock_out_at in logs.values_list(*fields):
        log = _Log(pk, staff_id, clock_in_at, clock_out_at, by_log.get(pk, _Breaks()))
        by_staff.setdefault(staff_id, []).append(log)
    for mine in by_staff.values():
        mine.sort(key=attrgetter("clock_in_at"))  # stable: ties keep their order
    return by_staff


def _shift_row(item, names) -> TimesheetRow:
    shift = item.shift
    return TimesheetRow(
        staff_id=shift.staff_id,
        staff_name=names[shift.staff_id],
        date=shift.date,
        shift_start=shift.start_time,
        shift_end=shift.end_time,
        clock_in_at=item.first_in,
        clock_out_at=item.last_out,
        break_minutes=item.break_minutes,
        worked_minutes=item.worked_minutes,
        late=item.late,
        early_exit=item.early_exit,
        overtime_minutes=item.overtime_minutes,
        status=item.status,
    )


def _unscheduled_rows(logs, zone, date_from, date_to, policy, at, names) -> list:
    days: dict[tuple[int, date], list] = {}
    for log in sorted(logs, key=lambda log: log.clock_in_at):
        day = log.clock_in_at.astimezone(zone).date()
        if date_from <= day <= date_to:
            days.setdefault((log.staff_id, day), []).append(log)
    return [_unscheduled_row(day, group, policy, at, names) for (_, day), group in days.items()]


def _unscheduled_row(day, logs, policy, at, names) -> TimesheetRow:
    breaks = sum(break_minutes(log.breaks.all(), log.clock_out_at or at) for log in logs)
    total = sum(minutes_between(log.clock_in_at, log.clock_out_at or at) for log in logs)
    worked = total - (0 if policy.paid_breaks else breaks)
    return TimesheetRow(
        staff_id=logs[0].staff_id,
        staff_name=names[logs[0].staff_id],
        date=day,
        shift_start=None,
        shift_end=None,
        clock_in_at=logs[0].clock_in_at,
        clock_out_at=logs[-1].clock_out_at,
        break_minutes=round(breaks),
        worked_minutes=round(worked),
        late=False,
        early_exit=False,
        overtime_minutes=0,
        status=UNSCHEDULED,
    )
