"""Punches, corrections and the closing of forgotten logs: one transaction each, with the
person's row locked and their state read again under the lock.

A punch that no longer fits the state is a 409 carrying the current status; the same
punch repeated within `REPEAT_SECONDS` (a double tap, two kiosks) answers the status the
first one left and writes nothing.
"""

from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, InvalidInput, NotFound
from switchboard.common.tenancy import in_scope, org_scoped
from switchboard.staff.attendance import selectors
from switchboard.staff.attendance.events import emit_attendance_logged, emit_clock_status
from switchboard.staff.attendance.models import Break, ClockLog, ClockLogCorrection, Shift
from switchboard.staff.models import StaffMember

REPEAT_SECONDS = 5
LOCK_TIMEOUT = "5s"
LOCK_NOT_AVAILABLE = "55P03"
SOURCES = set(ClockLog.Source.values) - {ClockLog.Source.AUTO}
# The PostgreSQL guards of migration staff/0006 (SQLite relies on the checks here).
OVERLAP_CONSTRAINT = "clocklog_no_overlap"
BREAK_GUARD = "break_inside_log"


@contextmanager
def _busy_is_a_conflict():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Conflict("This person's attendance is busy; try again.") from exc
        raise


def lock_staff(pk) -> StaffMember:
    """The staff row under its lock (SQLite's IMMEDIATE transactions serialise already)."""
    with _busy_is_a_conflict():
        found = (
            StaffMember.objects.select_for_update(of=("self",))
            .select_related("user", "department", "organization")
            .filter(pk=pk)
            .first()
        )
    if found is None:
        raise NotFound("No such staff member.")
    return found


def _punch_target(organization, acting_user, staff) -> StaffMember:
    """Whom the punch is for: `staff` when given (managers), else the acting user's profile."""
    if staff is None:
        mine = StaffMember.objects.filter(organization=organization, is_active=True)
        staff = mine.filter(user=acting_user).first() if acting_user is not None else None
        if staff is None:
            permissions.require(organization, acting_user, "attendance.punch_own")
            raise InvalidInput({"staff": "You have no staff profile here; name the staff."})
    staff = in_scope(staff)
    own = acting_user is not None and staff.user_id == acting_user.pk
    action = "attendance.punch_own" if own else "attendance.punch"
    permissions.require(organization, acting_user, action)
    return lock_staff(staff.pk)


def _refuse(staff, message: str):
    raise Conflict(message, current_status=selectors.current_status(staff))


def _recent(moment, at) -> bool:
    return moment is not None and at - moment <= timedelta(seconds=REPEAT_SECONDS)


def _finish(staff, action: str, at) -> dict:
    status = selectors.current_status(staff, at)
    emit_clock_status(staff, action, status, at)
    return status


def _source(source: str) -> str:
    if source not in SOURCES:
        raise InvalidInput({"source": f"One of {', '.join(sorted(SOURCES))}."})
    return source


@org_scoped
@transaction.atomic
def staff_clock_in(
    *,
    organization: Organization,
    acting_user: User | None,
    staff=None,
    source: str = "web",
    device=None,
) -> dict:
    source = _source(source)
    staff = _punch_target(organization, acting_user, staff)
    at = now()
    log = selectors.open_log(staff)
    if log is not None and close_deadline(log) <= at:
        # Yesterday's forgotten log is closed as the job would; it is never this clock-in.
        auto_close(log)
        log = None
    if log is not None:
        if _recent(log.clock_in_at, at):
            return selectors.current_status(staff, at)
        _refuse(staff, "Already clocked in.")
    if not staff.is_active:
        raise Conflict("This staff profile is not active.")
    log = ClockLog.objects.create(
        organization=organization,
        staff=staff,
        clock_in_at=at,
        source=source,
        punched_by=acting_user,
        device=device,
    )
    emit_attendance_logged(log, "clock_in")
    return _finish(staff, "clock_in", at)


@org_scoped
@transaction.atomic
def staff_clock_out(
    *, organization: Organization, acting_user: User | None, staff=None, source: str = "web"
) -> dict:
    _source(source)
    staff = _punch_target(organization, acting_user, staff)
    at = now()
    log = selectors.open_log(staff)
    if log is None:
        last = ClockLog.objects.filter(staff=staff, auto_closed=False).first()
        if last is not None and _recent(last.clock_out_at, at):
            return selectors.current_status(staff, at)
        _refuse(staff, "Not clocked in.")
    if at <= log.clock_in_at:
        _refuse(staff, "A clock-out must come after the clock-in.")
    _close(log, at)
    emit_attendance_logged(log, "clock_out")
    return _finish(staff, "clock_out", at)


def _close(log, at, *, auto=False) -> None:
    """Close the log at `at`, ending its open break there. A break begun after `at` (a
    forgotten log's shift end) moves the close to a second after it, never past now; one
    begun this very instant has no length and is dropped."""
    running = selectors.open_break(log)
    if running is not None:
        if at <= running.started_at:
            at = min(now(), running.started_at + timedelta(seconds=1))
        if at <= running.started_at:
            running.delete()
        else:
            running.ended_at = at
            running.save(update_fields=["ended_at"])
    log.clock_out_at = at
    log.auto_closed = log.needs_review = auto or log.needs_review
    log.save(update_fields=["clock_out_at", "auto_closed", "needs_review"])


@org_scoped
@transaction.atomic
def staff_break_start(*, organization: Organization, acting_user: User | None, staff=None) -> dict:
    staff = _punch_target(organization, acting_user, staff)
    return _break_start(staff, now())


@org_scoped
@transaction.atomic
def staff_break_end(*, organization: Organization, acting_user: User | None, staff=None) -> dict:
    staff = _punch_target(organization, acting_user, staff)
    return _break_end(staff, now())


@org_scoped
@transaction.atomic
def staff_break_toggle(*, organization: Organization, acting_user: User | None, staff=None) -> dict:
    """Start a break when on duty, end it when on break (the seed's one button)."""
    staff = _punch_target(organization, acting_user, staff)
    at = now()
    log = selectors.open_log(staff)
    if log is not None and selectors.open_break(log) is not None:
        return _break_end(staff, at)
    return _break_start(staff, at)


def _break_start(staff, at) -> dict:
    log = selectors.open_log(staff)
    if log is None:
        _refuse(staff, "Not clocked in.")
    running = selectors.open_break(log)
    if running is not None:
        if _recent(running.started_at, at):
            return selectors.current_status(staff, at)
        _refuse(staff, "Already on a break.")
    if at <= log.clock_in_at:
        _refuse(staff, "A break starts after the clock-in.")
    Break.objects.create(log=log, started_at=at)
    return _finish(staff, "start_break", at)


def _break_end(staff, at) -> dict:
    log = selectors.open_log(staff)
    running = selectors.open_break(log)
    if running is None:
        last = Break.objects.filter(log=log).order_by("-ended_at").first() if log else None
        if last is not None and _recent(last.ended_at, at):
            return selectors.current_status(staff, at)
        _refuse(staff, "Not on a break.")
    if at <= running.started_at:
        _refuse(staff, "A break ends after it starts.")
    running.ended_at = at
    running.save(update_fields=["ended_at"])
    return _finish(staff, "end_break", at)


@contextmanager
def _guarded():
    """A write the database may refuse: its guards' violations become a 409 (inside a
    savepoint, so the caller's transaction rolls back cleanly), anything else is raised."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        text = str(exc)
        if OVERLAP_CONSTRAINT in text:
            raise Conflict("The times overlap another log of this person.") from exc
        if BREAK_GUARD in text:
            raise Conflict("A break would lie outside its log.") from exc
        raise


# Corrections


@org_scoped
@transaction.atomic
def clock_log_correct(
    *,
    log: ClockLog,
    acting_user: User | None,
    reason: str,
    clock_in_at: datetime | None = None,
    clock_out_at: datetime | None = None,
) -> ClockLog:
    """A manager sets a closed log's times, with a reason kept in an audit row."""
    permissions.require(log.organization, acting_user, "attendance.correct")
    if not reason.strip():
        raise InvalidInput({"reason": "Say why the log is corrected."})
    lock_staff(log.staff_id)
    log = ClockLog.objects.select_related("staff__user").get(pk=log.pk)
    new_in = clock_in_at or log.clock_in_at
    new_out = clock_out_at or log.clock_out_at
    _check_correction(log, new_in, new_out)
    ClockLogCorrection.objects.create(
        log=log,
        by=acting_user,
        by_name=acting_user.get_full_name() or acting_user.username,
        reason=reason.strip(),
        old_clock_in_at=log.clock_in_at,
        old_clock_out_at=log.clock_out_at,
        new_clock_in_at=new_in,
        new_clock_out_at=new_out,
    )
    log.clock_in_at, log.clock_out_at, log.needs_review = new_in, new_out, False
    with _guarded():
        log.save(update_fields=["clock_in_at", "clock_out_at", "needs_review"])
    return log


def _check_correction(log, new_in, new_out) -> None:
    if new_out is None:
        raise InvalidInput({"clock_out_at": "Correct a log once it is closed."})
    if new_out <= new_in:
        raise InvalidInput({"clock_out_at": "The clock-out must come after the clock-in."})
    if new_out > now():
        raise InvalidInput({"clock_out_at": "A clock-out cannot lie in the future."})
    breaks = Break.objects.filter(log=log)
    if breaks.filter(started_at__lt=new_in).exists() or breaks.filter(ended_at__gt=new_out):
        raise InvalidInput({"clock_in_at": "The log must still hold its breaks."})
    others = ClockLog.objects.filter(staff_id=log.staff_id).exclude(pk=log.pk)
    overlapping = others.filter(clock_in_at__lt=new_out).exclude(clock_out_at__lte=new_in)
    if overlapping.exists():
        raise Conflict("The corrected times overlap another log of this person.")


# Forgotten clock-outs


def close_deadline(log) -> datetime:
    """When an open log is taken as forgotten: its shift's end plus the late allowance, or
    `max_open_hours` after the clock-in when no shift holds it."""
    shift, end = _shift_of(log)
    policy = selectors.policy_for(log.organization)
    if shift is not None:
        return end + timedelta(minutes=policy.late_allowance_minutes)
    return log.clock_in_at + timedelta(hours=policy.max_open_hours)


def _shift_of(log):
    organization = log.organization
    zone, policy = organization.tzinfo, selectors.policy_for(organization)
    day = log.clock_in_at.astimezone(zone).date()
    shifts = Shift.objects.filter(staff_id=log.staff_id, date__range=(day - timedelta(1), day))
    for shift in shifts.order_by("-date", "-start_time"):
        start, end = selectors.shift_window(shift, zone)
        if selectors.logs_for_shift(start, end, [log], policy):
            return shift, end
    return None, None


def auto_close(log) -> ClockLog:
    """Close a forgotten log at its shift end (or clock-in + max hours), flagged for review."""
    _shift, end = _shift_of(log)
    if end is None:
        end = log.clock_in_at + timedelta(
            hours=selectors.policy_for(log.organization).max_open_hours
        )
    # Never before what the log already holds: its clock-in and its ended breaks.
    ends = Break.objects.filter(log=log, ended_at__isnull=False).values_list("ended_at", flat=True)
    floor = max([log.clock_in_at + timedelta(seconds=1), *ends])
    with _guarded():
        _close(log, min(max(end, floor), max(now(), floor)), auto=True)
    log.staff.organization = log.organization
    emit_attendance_logged(log, "clock_out")
    emit_clock_status(log.staff, "clock_out", selectors.current_status(log.staff), now())
    return log


@org_scoped
@transaction.atomic
def attendance_close_forgotten(*, organization: Organization, acting_user: User | None) -> int:
    """Close every log of the organisation left open past its deadline; how many."""
    permissions.require(organization, acting_user, "attendance.close_forgotten")
    at, closed = now(), 0
    for log in ClockLog.objects.filter(clock_out_at__isnull=True).select_related("staff"):
        if close_deadline(log) > at:
            continue
        staff = lock_staff(log.staff_id)
        log = selectors.open_log(staff)
        if log is not None and close_deadline(log) <= at:
            log.staff = staff
            auto_close(log)
            closed += 1
    return closed
