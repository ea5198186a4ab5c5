"""The resource board (seed 004's SystemManagementModal): every resource with its status
derived now from whatever booking holds it (a session, a reservation, a standard booking):
who holds it and until when, the time left and a progress bar. Owners, operators and staff
read it; the buttons are for those who may start sessions, and Start only where the
organisation offers a session service.

The page renders a snapshot and `static/web/resource-board.js` keeps it live: it counts
down every second, applies `resource-status-updated`, `session-completed` and session
`booking-updated` events from the real-time client, and sends the operator's buttons to
the sessions API (`/api/orgs/{slug}/sessions/…`), where the services decide.
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from switchboard.accounts.permissions import acting_role, may
from switchboard.bookings.sessions_selectors import (
    remaining_seconds,
    resource_board,
    session_service_exists,
    with_holders,
)
from switchboard.common.clock import now
from switchboard.staff.channels import member_channels
from switchboard.web.views import org_page


def until_label(org, ends_at, at) -> str:
    """The end in the organisation's zone: `12:30`, or `Tue 2 Dec 12:30` on another day."""
    end, today = ends_at.astimezone(org.tzinfo), at.astimezone(org.tzinfo).date()
    return end.strftime("%H:%M" if end.date() == today else "%a %-d %b %H:%M")


def _holder(org, resource, at) -> dict:
    holder = resource.holder
    if holder is None:
        return {"active_workflow": None, "held_by": None, "held_with": None, "until": None}
    return {
        "active_workflow": holder.workflow,
        "held_by": holder.customer_display,
        "held_with": holder.assignee.full_name if holder.assignee else None,
        "until": until_label(org, holder.ends_at, at),
    }


def board_rows(org, at):
    return [
        _holder(org, resource, at)
        | {
            "resource_id": resource.pk,
            "name": resource.name,
            "kind": resource.kind,
            "status": resource.status,
            "active_booking": resource.active_booking_id,
            "starts_at": resource.session_starts_at.isoformat()
            if resource.session_starts_at
            else None,
            "ends_at": resource.session_ends_at.isoformat() if resource.session_ends_at else None,
            "remaining_seconds": remaining_seconds(resource, at),
            "unofficial_end_at": resource.unofficial_end_at.isoformat()
            if resource.unofficial_end_at
            else None,
        }
        for resource in with_holders(resource_board(org, at=at))
    ]


@org_page("sessions.resource_board")
def resources_page(request, membership):
    org = membership.organization
    at = now()
    rows = board_rows(org, at)
    may_manage = may(acting_role(org, request.user), "sessions.start")
    board = {
        "mayManage": may_manage,
        "mayStart": may_manage and session_service_exists(org),
        "org": org.slug,
        "timezone": org.timezone,
        "serverNow": at.isoformat(),
        "resources": rows,
        "maxMinutes": settings.SESSIONS["MAX_MINUTES"],
        "api": {
            "board": reverse("resource-board", kwargs={"org_slug": org.slug}),
            "sessions": reverse("session-list", kwargs={"org_slug": org.slug}),
        },
    }
    context = {
        "org": org,
        "membership": membership,
        "role": membership.role,
        "rows": rows,
        "may_manage": board["mayManage"],
        "may_start": board["mayStart"],
    }
    # The board's rows arrive on the organisation channel, session bookings on the managers'.
    context["realtime_channels"] = member_channels(membership)
    return render(request, "web/resources.html", context | {"board": board})
