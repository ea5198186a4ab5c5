"""Attendance pages: a staff member's "My day" (the clock button, today's and the week's
shifts, their assignments) and the managers' attendance board (who is on duty, on break,
off, late or absent against today's roster, by department).

Both pages render server-side and reload their live part (an htmx partial) when an
attendance event arrives; `static/web/attendance.js` keeps break minutes running between
events. Punches go through the same services as the API.
"""

from collections import Counter
from datetime import timedelta

from django.http import Http404
from django.shortcuts import render

from switchboard.bookings.selectors import active_assignments
from switchboard.common.clock import now
from switchboard.common.errors import DomainError, NotFound
from switchboard.staff.attendance import services
from switchboard.staff.attendance.selectors import (
    ON_BREAK,
    ON_DUTY,
    attendance_status,
    current_status,
    minutes_between,
    policy_for,
    roster_attendance,
    shift_window,
    shifts_list,
)
from switchboard.staff.channels import member_channels
from switchboard.staff.selectors import staff_for_user
from switchboard.web.views import org_page

PUNCHES = {
    "clock_in": services.staff_clock_in,
    "clock_out": services.staff_clock_out,
    "start_break": services.staff_break_start,
    "end_break": services.staff_break_end,
}


def _me(membership, user):
    me = staff_for_user(membership.organization, user)
    if me is None:
        raise Http404("You have no staff profile here.")
    return me


def _clock_context(org, me, *, error=""):
    at = now()
    status = current_status(me, at)
    running = 0
    if status["break_start"] is not None:
        running = minutes_between(status["break_start"], at)
    return {
        "org": org,
        "me": me,
        "status": status,
        # Minutes of breaks already ended; the page adds the running one as it goes.
        "ended_break_minutes": max(0, int(status["total_break_minutes"] - running)),
        "server_now": at.isoformat(),
        "error": error,
    }


def _week(org, me, today):
    monday = today - timedelta(days=today.weekday())
    shifts = shifts_list(org, week=monday, staff=me.pk).order_by("date", "start_time")
    return monday, list(shifts)


@org_page("attendance.punch_own")
def my_day_page(request, membership):
    org = membership.organization
    me = _me(membership, request.user)
    today = now().astimezone(org.tzinfo).date()
    monday, week = _week(org, me, today)
    context = _clock_context(org, me) | {
        "membership": membership,
        "role": membership.role,
        "today": today,
        "today_shifts": [s for s in week if s.date == today],
        "week": week,
        "monday": monday,
        "assignments": active_assignments(org, me).order_by("starts_at", "pk"),
        "realtime_channels": member_channels(membership, me),
    }
    return render(request, "web/my_day.html", context)


@org_page("attendance.punch_own")
def my_day_clock(request, membership):
    """The clock card alone (reloaded when another device punches)."""
    me = _me(membership, request.user)
    return render(request, "web/_clock_card.html", _clock_context(membership.organization, me))


@org_page("attendance.punch_own", methods=("POST",))
def my_day_punch(request, membership):
    """A punch for oneself; a refusal (409) shows its message next to the buttons."""
    org = membership.organization
    me = _me(membership, request.user)
    service = PUNCHES.get(request.POST.get("action", ""))
    if service is None:
        context = _clock_context(org, me, error="Unknown action.")
        return render(request, "web/_clock_card.html", context, status=400)
    try:
        service(organization=org, acting_user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        context = _clock_context(org, me, error=exc.message)
        return render(request, "web/_clock_card.html", context, status=exc.status_code)
    return render(request, "web/_clock_card.html", _clock_context(org, me))


# The attendance board

STATES = ("on_break", "on_duty", "late", "absent", "scheduled", "off_duty")
STATE_LABELS = {
    "on_break": "On break",
    "on_duty": "On duty",
    "late": "Late",
    "absent": "Absent",
    "scheduled": "Scheduled later",
    "off_duty": "Off duty",
}


def _board_state(duty_status: str, shift: dict | None, at) -> str:
    """On duty or on break wins; otherwise today's roster says late, absent or later."""
    if duty_status in (ON_DUTY, ON_BREAK):
        return duty_status
    if shift is None:
        return "off_duty"
    if shift["status"] == "absent":
        return "absent"
    if shift["status"] == "upcoming":
        return "late" if at > shift["late_after"] else "scheduled"
    return "off_duty"


def _todays_shifts(org, today, at) -> dict[int, dict]:
    """Each person's first shift starting today, with the moment they count as late."""
    grace = timedelta(minutes=policy_for(org).grace_minutes)
    found: dict[int, dict] = {}
    for item in roster_attendance(org, today, today, at=at):
        start, end = shift_window(item.shift, org.tzinfo)
        found.setdefault(
            item.shift.staff_id,
            {
                "status": item.status,
                "late": item.late,
                "late_after": start + grace,
                "start": start,
                "end": end,
            },
        )
    return found


def board_context(org):
    at = now()
    today = at.astimezone(org.tzinfo).date()
    shifts = _todays_shifts(org, today, at)
    groups: dict[str, list] = {}
    counts = Counter()
    for row in attendance_status(org, at):
        shift = shifts.get(row["staff_id"])
        state = _board_state(row["duty_status"], shift, at)
        counts[state] += 1
        running = row["current_status"]["break_start"]
        row |= {
            "state": state,
            "state_label": STATE_LABELS[state],
            "shift": shift,
            "clocked_in_late": bool(shift and shift["late"]),
            "break_minutes_now": int(minutes_between(running, at)) if running else 0,
        }
        groups.setdefault(row["department"] or "No department", []).append(row)
    return {
        "org": org,
        "groups": sorted(groups.items()),
        "counts": [(state, STATE_LABELS[state], counts.get(state, 0)) for state in STATES],
        "server_now": at.isoformat(),
        "today": today,
    }


@org_page("attendance.view")
def attendance_board_page(request, membership):
    context = board_context(membership.organization) | {
        "membership": membership,
        "role": membership.role,
        "realtime_channels": member_channels(membership),
    }
    return render(request, "web/attendance_board.html", context)


@org_page("attendance.view")
def attendance_board_rows(request, membership):
    return render(request, "web/_attendance_board.html", board_context(membership.organization))
