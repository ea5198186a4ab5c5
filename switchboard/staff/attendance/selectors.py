"""Reads: duty status (derived from the open log and break, never stored), everyone's
status now, and attendance against the roster, per shift, in the organisation's zone."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from switchboard.common.clock import now
from switchboard.staff.attendance.models import AttendancePolicy, Break, ClockLog, Shift
from switchboard.staff.models import StaffMember

OFF_DUTY, ON_DUTY, ON_BREAK = "off_duty", "on_duty", "on_break"
LABELS = {OFF_DUTY: "Off Duty", ON_DUTY: "On Duty", ON_BREAK: "On Break"}


def policy_for(organization) -> AttendancePolicy:
    """The organisation's thresholds, or the defaults (an unsaved row) when it set none."""
    found = AttendancePolicy.objects.filter(organization=organization).first()
    return found or AttendancePolicy(organization=organization)


def open_log(staff) -> ClockLog | None:
    return ClockLog.objects.filter(staff=staff, clock_out_at__isnull=True).first()


def open_break(log) -> Break | None:
    if log is None:
        return None
    return Break.objects.filter(log=log, ended_at__isnull=True).first()


def minutes_between(start: datetime, end: datetime) -> float:
    # In UTC: aware datetimes of one zone subtract as wall clocks, wrong across DST.
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 60


def break_minutes(breaks, at: datetime) -> float:
    return sum(minutes_between(b.started_at, b.ended_at or at) for b in breaks)


def status_of(log, breaks, at: datetime) -> dict:
    """`current_status` as seed 001 shows it, from a log (or None) and its breaks."""
    running = next((b for b in breaks if b.ended_at is None), None) if log else None
    status = OFF_DUTY if log is None else ON_BREAK if running else ON_DUTY
    return {
        "status": status,
        "label": LABELS[status],
        "is_on_break": running is not None,
        "break_start": running.started_at if running else None,
        "total_break_minutes": int(break_minutes(breaks, at)) if log else 0,
    }


def current_status(staff, at: datetime | None = None) -> dict:
    log = open_log(staff)
    breaks = list(Break.objects.filter(log=log)) if log else []
    return status_of(log, breaks, at or now())


def duty_status(staff) -> str:
    return current_status(staff)["status"]


def attendance_status(organization, at: datetime | None = None) -> list[dict]:
    """Every active staff member's duty status now, with their open log's clock-in."""
    at = at or now()
    staff = StaffMember.objects.filter(organization=organization, is_active=True)
    staff = list(staff.select_related("user", "department"))
    logs = {
        log.staff_id: log
        for log in ClockLog.objects.filter(staff__in=staff, clock_out_at__isnull=True)
    }
    breaks: dict[int, list] = {}
    for item in Break.objects.filter(log__in=logs.values()):
        breaks.setdefault(item.log_id, []).append(item)
    rows = []
    for person in staff:
        log = logs.get(person.pk)
        current = status_of(log, breaks.get(log.pk, []) if log else [], at)
        rows.append(
            {
                "staff_id": person.pk,
                "user_id": person.user_id,
                "full_name": person.full_name,
                "first_name": person.user.first_name,
                "last_name": person.user.last_name,
                "department": person.department.name if person.department else None,
                "department_slug": person.department.slug if person.department else None,
                "duty_status": current["status"],
                "is_on_duty": log is not None,
                "is_on_break": current["is_on_break"],
                "status_label": current["label"],
                "clock_in_at": log.clock_in_at if log else None,
                "current_status": current,
            }
        )
    return rows


def logs_list(organization, *, staff=None, date_from=None, date_to=None):
    """Logs, newest first; dates are local days of the organisation's zone."""
    logs = ClockLog.objects.filter(organization=organization).select_related("staff__user")
    if staff is not None:
        logs = logs.filter(staff_id=staff)
    zone = organization.tzinfo
    if date_from is not None:
        logs = logs.filter(clock_in_at__gte=datetime.combine(date_from, datetime.min.time(), zone))
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), zone)
        logs = logs.filter(clock_in_at__lt=end)
    return logs.prefetch_related("breaks")


# Roster


def shift_window(shift, zone) -> tuple[datetime, datetime]:
    """The shift's start and end as instants (UTC); an overnight shift ends the next day."""
    end_day = shift.date + timedelta(days=1) if shift.end_time <= shift.start_time else shift.date
    start = datetime.combine(shift.date, shift.start_time, zone).astimezone(UTC)
    end = datetime.combine(end_day, shift.end_time, zone).astimezone(UTC)
    return start, end


def shifts_list(organization, *, week=None, staff=None, department=None):
    shifts = Shift.objects.filter(organization=organization).select_related(
        "staff__user", "department"
    )
    if week is not None:
        monday = week - timedelta(days=week.weekday())
        shifts = shifts.filter(date__gte=monday, date__lt=monday + timedelta(days=7))
    if staff is not None:
        shifts = shifts.filter(staff_id=staff)
    if department is not None:
        shifts = shifts.filter(department__slug=department)
    return shifts


def overlapping_shift(shift, zone, *, exclude=None) -> Shift | None:
    """Another shift of the same person whose time overlaps this one's."""
    start, end = shift_window(shift, zone)
    near = Shift.objects.filter(
        staff_id=shift.staff_id,
        date__gte=shift.date - timedelta(days=1),
        date__lte=shift.date + timedelta(days=1),
    )
    if exclude is not None:
        near = near.exclude(pk=exclude)
    for other in near:
        other_start, other_end = shift_window(other, zone)
        if other_start < end and start < other_end:
            return other
    return None


@dataclass(frozen=True)
class ShiftAttendance:
    shift: Shift
    status: str  # upcoming, present, half_day, absent
    first_in: datetime | None
    last_out: datetime | None
    late: bool
    early_exit: bool
    worked_minutes: int
    break_minutes: int
    overtime_minutes: int


def shift_attendance(shift, logs, policy, zone, at: datetime) -> ShiftAttendance:
    """One shift against the logs that fall in its window (see `logs_for_shift`)."""
    start, end = shift_window(shift, zone)
    grace = timedelta(minutes=policy.grace_minutes)
    mine = logs_for_shift(start, end, logs, policy)
    breaks = sum(break_minutes(log.breaks.all(), min(at, log.clock_out_at or at)) for log in mine)
    total = sum(minutes_between(log.clock_in_at, log.clock_out_at or at) for log in mine)
    worked = total - (0 if policy.paid_breaks else breaks)
    first_in = mine[0].clock_in_at if mine else None
    last_out = mine[-1].clock_out_at if mine else None
    if not mine:
        status = "upcoming" if at < end else "absent"
    elif at < end and last_out is None:
        status = "present"
    elif worked < policy.absent_minutes:
        status = "absent"
    elif worked < policy.half_day_minutes:
        status = "half_day"
    else:
        status = "present"
    return ShiftAttendance(
        shift=shift,
        status=status,
        first_in=first_in,
        last_out=last_out,
        late=first_in is not None and first_in > start + grace,
        early_exit=last_out is not None and last_out < end - grace,
        worked_minutes=round(worked),
        break_minutes=round(breaks),
        overtime_minutes=max(0, round(worked - minutes_between(start, end))),
    )


def logs_for_shift(start, end, logs, policy) -> list:
    """Logs whose clock-in lies in [start - early allowance, end + late allowance]."""
    low = start - timedelta(minutes=policy.early_allowance_minutes)
    high = end + timedelta(minutes=policy.late_allowance_minutes)
    return sorted(
        (log for log in logs if low <= log.clock_in_at <= high), key=lambda log: log.clock_in_at
    )


def roster_attendance(organization, date_from: date, date_to: date, *, at=None) -> list:
    """Per shift from `date_from` to `date_to` (start days), its attendance."""
    at, zone, policy = at or now(), organization.tzinfo, policy_for(organization)
    shifts = list(
        Shift.objects.filter(organization=organization, date__gte=date_from, date__lte=date_to)
        .select_related("staff__user")
        .order_by("date", "start_time", "id")
    )
    low = datetime.combine(date_from - timedelta(days=1), datetime.min.time(), zone)
    high = datetime.combine(date_to + timedelta(days=3), datetime.min.time(), zone)
    by_staff: dict[int, list] = {}
    logs = ClockLog.objects.filter(organization=organization, clock_in_at__range=(low, high))
    for log in logs.prefetch_related("breaks"):
        by_staff.setdefault(log.staff_id, []).append(log)
    return [
        shift_attendance(shift, by_staff.get(shift.staff_id, []), policy, zone, at)
        for shift in shifts
    ]
