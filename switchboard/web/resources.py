"""The resource board (seed 004's SystemManagementModal): every machine with its status
derived now; for a running session its end, the time left and a progress bar.

The page renders a snapshot and `static/web/resource-board.js` keeps it live: it counts
down every second, applies `resource-status-updated`, `session-completed` and session
`booking-updated` events from the real-time client, and sends the operator's buttons to
the sessions API (`/api/orgs/{slug}/sessions/…`), where the services decide.
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from switchboard.bookings.sessions_selectors import remaining_seconds, resource_board
from switchboard.common.clock import now
from switchboard.staff.channels import member_channels
from switchboard.web.views import org_page


def board_rows(org, at):
    return [
        {
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
        for resource in resource_board(org, at=at)
    ]


@org_page("sessions.start")
def resources_page(request, membership):
    org = membership.organization
    at = now()
    rows = board_rows(org, at)
    board = {
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
    context = {"org": org, "membership": membership, "role": membership.role, "rows": rows}
    # The board's rows arrive on the organisation channel, session bookings on the managers'.
    context["realtime_channels"] = member_channels(membership)
    return render(request, "web/resources.html", context | {"board": board})
