"""The timesheet page: a date range, per person and day the shift, punches, breaks,
worked time and flags (from `attendance.timesheet`), and a link to the same as CSV.
Managers see everyone; a staff member sees their own rows. The table reloads itself on
`attendance-logged` and `roster-updated`."""

from datetime import timedelta
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse

from switchboard.staff.attendance.timesheet import MAX_DAYS, timesheet, timesheet_staff
from switchboard.staff.channels import member_channels
from switchboard.web.roster import local_today, parse_day
from switchboard.web.views import org_page


def read_range(request, org):
    """The range asked for (default: the last 7 days) and an error for a bad one."""
    today = local_today(org)
    date_to = parse_day(request.GET.get("date_to"), today)
    date_from = parse_day(request.GET.get("date_from"), date_to - timedelta(days=6))
    error = ""
    if date_to < date_from:
        error = "The end comes before the start."
    elif (date_to - date_from).days >= MAX_DAYS:
        error = f"Choose at most {MAX_DAYS} days."
    return date_from, date_to, error


def _context(request, membership):
    org = membership.organization
    date_from, date_to, error = read_range(request, org)
    rows = (
        []
        if error
        else timesheet(org, date_from, date_to, staff=timesheet_staff(org, request.user))
    )
    query = urlencode({"date_from": date_from, "date_to": date_to, "format": "csv"})
    csv_url = reverse("attendance-timesheet", kwargs={"org_slug": org.slug}) + "?" + query
    return {
        "org": org,
        "membership": membership,
        "role": membership.role,
        "rows": rows,
        "date_from": date_from,
        "date_to": date_to,
        "error": error,
        "csv_url": csv_url,
    }


@org_page("attendance.view")
def timesheet_page(request, membership):
    context = _context(request, membership)
    context["realtime_channels"] = member_channels(membership)
    return render(request, "web/timesheet.html", context)


@org_page("attendance.view")
def timesheet_table(request, membership):
    return render(request, "web/_timesheet_table.html", _context(request, membership))
