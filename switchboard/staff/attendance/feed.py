"""A staff member's shifts as an iCalendar feed, read by calendar apps through a secret URL.

The secret is a random token shown once when issued; only its SHA-256 is kept, so a
database dump reveals no feed. Issuing a new one (the person, or a manager) ends the old.
A token that names no active profile is a 404, like any address that does not exist.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from switchboard.accounts import permissions
from switchboard.accounts.models import User
from switchboard.common.clock import now
from switchboard.common.tenancy import cross_org, org_scope, org_scoped
from switchboard.staff.attendance.models import Shift
from switchboard.staff.models import StaffMember

# What a calendar app shows: the recent past and the roster ahead.
PAST_DAYS, AHEAD_DAYS = 31, 183


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@org_scoped
def calendar_token_rotate(*, staff: StaffMember, acting_user: User | None) -> str:
    """A new feed token for `staff` (the old one stops working); answered once, never kept."""
    own = acting_user is not None and staff.user_id == acting_user.pk
    action = "staff.calendar_token_own" if own else "staff.calendar_token"
    permissions.require(staff.organization, acting_user, action)
    token = secrets.token_urlsafe(32)
    staff.calendar_token_hash = token_hash(token)
    staff.save(update_fields=["calendar_token_hash"])
    return token


def staff_for_token(token: str) -> StaffMember | None:
    if not token:
        return None
    # The token is the only thing that names the organisation here.
    with cross_org():
        found = StaffMember.objects.filter(
            calendar_token_hash=token_hash(token),
            is_active=True,
            organization__is_active=True,
        )
        return found.select_related("organization", "user", "department").first()


def _event(shift: Shift, zone, stamp: datetime) -> Event:
    end_day = shift.date + timedelta(days=1) if shift.overnight else shift.date
    event = Event()
    event.add("uid", f"shift-{shift.pk}@switchboard")
    event.add("dtstamp", stamp)
    # Local wall times with their zone (TZID): a calendar app shows 22:00, whatever its
    # own zone's offset that day, and the end falls on the next day for overnight shifts.
    event.add("dtstart", datetime.combine(shift.date, shift.start_time, zone))
    event.add("dtend", datetime.combine(end_day, shift.end_time, zone))
    department = shift.department.name if shift.department else ""
    event.add("summary", f"Shift: {department}" if department else "Shift")
    if shift.location:
        event.add("location", shift.location)
    if shift.notes:
        event.add("description", shift.notes)
    return event


def shifts_ics(staff: StaffMember) -> bytes:
    organization = staff.organization
    zone = organization.tzinfo
    today = now().astimezone(zone).date()
    calendar = Calendar()
    calendar.add("prodid", "-//Switchboard//Shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{staff.full_name}, {organization.name}")
    calendar.add("x-wr-timezone", organization.timezone)
    with org_scope(organization):
        shifts = Shift.objects.filter(
            staff=staff,
            date__gte=today - timedelta(days=PAST_DAYS),
            date__lte=today + timedelta(days=AHEAD_DAYS),
        ).select_related("department")
        stamp = now()
        for shift in shifts:
            calendar.add_component(_event(shift, zone, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


@require_GET
def shift_feed(request, token: str):
    staff = staff_for_token(token)
    if staff is None:
        raise Http404("No such feed.")
    answer = HttpResponse(shifts_ics(staff), content_type="text/calendar; charset=utf-8")
    answer["Cache-Control"] = "private, max-age=300"
    return answer
