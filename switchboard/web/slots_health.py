"""Slot health `/o/{slug}/slots/` for managers: service coverage, slot density and booking
rate, a chart of free against booked slots per day over the window (Chart.js,
`static/web/slots-health.js`), the booked slots that no longer fit their provider's
availability (conflicts to resolve), the last and next maintenance run, and "run now".

"Run now" is a dry run first: it shows, per provider and service, what a run would create,
remove and keep (booked); the real run is a second button under that report. Both go
through `slots_maintain`, the service the job and the command use. The figures reload when
`slots-maintained` or `slot-updated` arrives.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from switchboard.accounts.permissions import acting_role, may
from switchboard.common.errors import DomainError, Forbidden
from switchboard.slots.health import slot_health
from switchboard.slots.models import Trigger
from switchboard.slots.policy import policy_of
from switchboard.slots.services import slot_settings_update, slots_maintain
from switchboard.staff.channels import member_channels
from switchboard.web.views import org_page

MAX_DAYS_AHEAD = 90


def _local(value, zone) -> str:
    """A time of the health figures in the organisation's zone ("" when there is none)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(zone).strftime("%a %d %b %Y, %H:%M")


def _run_time(run, zone) -> str:
    if isinstance(run, dict):
        run = run.get("finished_at") or run.get("started_at") or run.get("at")
    return _local(run, zone)


def _percent(share, digits: int) -> str:
    """A share as a percentage; "none" when there is nothing to share (no services, no slots)."""
    return "none" if share is None else f"{100 * share:.{digits}f} %"


def health_context(org) -> dict:
    health = slot_health(org)
    zone = org.tzinfo
    conflicts = [
        item | {"local": _local(item["starts_at"], zone), "since": _local(item.get("since"), zone)}
        for item in health["conflicts"]
    ]
    per_day = health.get("per_day", [])
    chart = {
        "labels": [str(day["date"]) for day in per_day],
        "free": [day["free"] for day in per_day],
        "booked": [day["booked"] for day in per_day],
    }
    return {
        "org": org,
        "health": health,
        "coverage_percent": _percent(health["service_coverage"], 0),
        "booking_percent": _percent(health["booking_rate"], 1),
        "conflicts": conflicts,
        "chart": chart,
        "last_run": _run_time(health.get("last_run"), zone),
        "next_run": _run_time(health.get("next_run"), zone),
        "urls": {
            "panel": reverse("org-slots-panel", kwargs={"org_slug": org.slug}),
            "run": reverse("org-slots-run", kwargs={"org_slug": org.slug}),
        },
    }


def public_context(request, membership) -> dict:
    """The public booking page's switch: its state, its address, and whether this member
    may flip it (owners: `slots.settings`)."""
    org = membership.organization
    role = acting_role(org, membership.user)
    book = reverse("org-book", kwargs={"org_slug": org.slug})
    return {
        "org": org,
        "public_on": policy_of(org).public_booking,
        "can_switch": may(role, "slots.settings"),
        "book_url": request.build_absolute_uri(book),
        "switch_url": reverse("org-slots-public", kwargs={"org_slug": org.slug}),
    }


@org_page("slots.health")
def slots_health_page(request, membership):
    context = health_context(membership.organization) | public_context(request, membership)
    context |= {
        "membership": membership,
        "role": membership.role,
        "realtime_channels": member_channels(membership),
    }
    return render(request, "web/slots_health.html", context)


@org_page("slots.health")
def slots_health_panel(request, membership):
    return render(request, "web/_slots_health_panel.html", health_context(membership.organization))


def _days_ahead(text: str) -> tuple[int | None, str]:
    if not text:
        return None, ""
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS_AHEAD:
        return None, f"Give a number of days from 1 to {MAX_DAYS_AHEAD}."
    return int(text), ""


@org_page("slots.maintain", methods=("POST",))
def slots_run(request, membership):
    """A dry run (the default), or the real run once the report has been seen."""
    org = membership.organization
    dry_run = request.POST.get("dry_run", "1") != "0"
    days_ahead, error = _days_ahead(request.POST.get("days_ahead", "").strip())
    context = {"org": org, "dry_run": dry_run, "days_ahead": days_ahead or ""}
    context["urls"] = {"run": reverse("org-slots-run", kwargs={"org_slug": org.slug})}
    if error:
        return render(request, "web/_slots_run.html", context | {"error": error}, status=400)
    try:
        report = slots_maintain(
            organization=org,
            acting_user=request.user,
            days_ahead=days_ahead,
            dry_run=dry_run,
            full=True,  # a manager asking wants every slot compared, not the no-op memo
            trigger=Trigger.API,
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "web/_slots_run.html", context, status=exc.status_code)
    shown = report.as_dict()
    context |= {"report": report, "changes": shown["changes"], "lines": shown["lines"]}
    response = render(request, "web/_slots_run.html", context)
    if not dry_run:
        response["HX-Trigger"] = "slots-changed"
    return response


@org_page("slots.health", methods=("POST",))
def slots_public_switch(request, membership):
    """An owner switches the public (anonymous) booking page on or off."""
    wanted = request.POST.get("public_booking", "")
    if wanted not in ("on", "off"):
        context = public_context(request, membership) | {"error": "Say on or off."}
        return render(request, "web/_slots_public.html", context, status=400)
    try:
        slot_settings_update(
            organization=membership.organization,
            acting_user=request.user,
            public_booking=wanted == "on",
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    return render(request, "web/_slots_public.html", public_context(request, membership))
