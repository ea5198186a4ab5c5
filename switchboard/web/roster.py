"""The roster week page (people by 7 days) and the timesheet page.

The roster page renders the week's snapshot as JSON; `static/web/roster.js` draws the grid,
sends the managers' edits to the roster API (`/api/orgs/{slug}/roster/…`, where the
services decide and refuse overlaps) and redraws from the API on every `roster-updated`
event, so everyone looking sees a change at once.
"""

from datetime import date, timedelta

from django.shortcuts import render
from django.urls import reverse

from switchboard.accounts import permissions
from switchboard.common.clock import now
from switchboard.staff.attendance.filters import FIRST_DAY, LAST_DAY
from switchboard.staff.attendance.roster_api import ShiftSerializer
from switchboard.staff.attendance.selectors import shifts_list
from switchboard.staff.channels import member_channels
from switchboard.staff.models import StaffMember
from switchboard.web.views import org_page


def local_today(org) -> date:
    return now().astimezone(org.tzinfo).date()


def parse_day(text, default: date) -> date:
    """A day of the query string, or `default` for a missing or unreadable one."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return default
    return day if FIRST_DAY <= day <= LAST_DAY else default


def week_of(request, org) -> date:
    day = parse_day(request.GET.get("week"), local_today(org))
    monday = day - timedelta(days=day.weekday())
    # The first and last weeks keep their neighbours inside the roster's dates.
    return min(max(monday, FIRST_DAY + timedelta(days=7)), LAST_DAY - timedelta(days=13))


def can_edit(membership) -> bool:
    role = permissions.OWNER if membership.user.is_superuser else membership.role
    return permissions.may(role, "roster.edit")


@org_page("roster.view")
def roster_page(request, membership):
    org = membership.organization
    monday = week_of(request, org)
    people = StaffMember.objects.filter(organization=org, is_active=True).select_related("user")
    shifts = shifts_list(org, week=monday).order_by("date", "start_time", "id")
    slug = {"org_slug": org.slug}
    roster = {
        "week": monday.isoformat(),
        "days": [(monday + timedelta(days=n)).isoformat() for n in range(7)],
        "canEdit": can_edit(membership),
        "people": sorted(
            ({"id": p.pk, "name": p.full_name} for p in people), key=lambda p: p["name"]
        ),
        "shifts": ShiftSerializer(shifts, many=True).data,
        "api": {
            "shifts": reverse("shift-list", kwargs=slug),
            "copyWeek": reverse("roster-copy-week", kwargs=slug),
        },
    }
    context = {
        "org": org,
        "membership": membership,
        "role": membership.role,
        "roster": roster,
        "monday": monday,
        "previous": (monday - timedelta(days=7)).isoformat(),
        "next": (monday + timedelta(days=7)).isoformat(),
        "realtime_channels": member_channels(membership),
    }
    return render(request, "web/roster.html", context)
