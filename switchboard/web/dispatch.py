"""The operators' dispatch board (seed 002): pending pickups, urgent first, with their
waiting time running; available drivers ordered by ETA to the selected pickup; busy drivers
with their task and ETA; offers in flight with their countdown; a map of both.

Assign, auto-assign and "assign all" (a dry run shown first, then applied) call the
dispatch services, as the API does. The live part is an htmx partial that
`static/web/dispatch.js` reloads when a dispatch event arrives; a refusal comes back as
that partial with the message next to the pickup it concerns.
"""

import logging

from django.conf import settings
from django.shortcuts import render

from switchboard.common.clock import now
from switchboard.common.errors import DomainError, NotFound
from switchboard.dispatch import selectors, services
from switchboard.staff.channels import member_channels
from switchboard.web.dispatch_shared import (
    BOARD_ACTION,
    booking_for,
    clock_time,
    int_or_none,
    iso,
    pickup_request_of,
    staff_member,
    status_label,
)
from switchboard.web.views import org_page

log = logging.getLogger(__name__)

DRIVER_GROUPS = ("available", "offered", "busy", "off_duty")


def _selected(pickups, wanted: int | None):
    ids = [p["booking_id"] for p in pickups]
    if wanted in ids:
        return wanted
    return ids[0] if ids else None


def _map_data(pickups, drivers) -> dict:
    """What the map draws: pickups with a known location, drivers with a position."""
    points = [
        {
            "id": p["booking_id"],
            "lat": (p["location"] or {}).get("lat"),
            "lng": (p["location"] or {}).get("lng"),
            "state": p["urgency"],
            "label": f"{p['therapist_name']} ({p['urgency']})",
        }
        for p in pickups
    ]
    cars = [
        {
            "id": d["staff_id"],
            "lat": d["position"]["lat"],
            "lng": d["position"]["lng"],
            "state": d["status"],
            "label": f"{d['name']} · {d['status'].replace('_', ' ')}",
        }
        for d in drivers
        if d["position"] and d["status"] != "off_duty"
    ]
    return {"pickups": points, "drivers": cars}


def _offers_in_flight(pickups) -> list[dict]:
    return [
        p["offer"] | {"booking_id": p["booking_id"], "therapist_name": p["therapist_name"]}
        for p in pickups
        if p.get("offer")
    ]


def _decorate(org, pickups, drivers) -> None:
    """Times as the page's script reads them (ISO) and shows them (org zone, labels)."""
    for p in pickups:
        p["requested_iso"] = iso(p["requested_at"])
        seconds = int(p.get("waiting_seconds") or 0)
        p["waiting_label"] = f"{seconds // 60}:{seconds % 60:02d}"
        if p.get("offer"):
            p["offer"]["expires_iso"] = iso(p["offer"]["expires_at"])
    for row in drivers:
        row["eta_clock"] = clock_time((row.get("eta") or {}).get("at"), org)
        if row.get("current_task"):
            row["current_task"]["status_label"] = status_label(row["current_task"]["status"])


def board_context(org, *, selected: int | None = None, error: str = "", error_for=None):
    at = now()
    pickups = selectors.pending_pickups(org, at=at)
    chosen = _selected(pickups, selected)
    drivers = selectors.driver_rows(org, pickup=pickup_request_of(org, chosen), at=at)
    _decorate(org, pickups, drivers)
    groups = {name: [d for d in drivers if d["status"] == name] for name in DRIVER_GROUPS}
    return {
        "org": org,
        "pickups": pickups,
        "selected": chosen,
        "groups": groups,
        "offers": _offers_in_flight(pickups),
        "map_data": _map_data(pickups, drivers),
        "server_now": at.isoformat(),
        "error": error,
        "error_for": error_for,
    }


@org_page(BOARD_ACTION)
def board_page(request, membership):
    org = membership.organization
    selected = int_or_none(request.GET.get("pickup"))
    context = board_context(org, selected=selected) | {
        "membership": membership,
        "role": membership.role,
        "realtime_channels": member_channels(membership),
        "tile_url": settings.DISPATCH_TILE_URL,
        "tile_attribution": settings.DISPATCH_TILE_ATTRIBUTION,
    }
    return render(request, "web/dispatch_board.html", context)


@org_page(BOARD_ACTION)
def board_rows(request, membership):
    selected = int_or_none(request.GET.get("pickup"))
    context = board_context(membership.organization, selected=selected)
    return render(request, "web/_dispatch_board.html", context)


def _refused(request, org, booking_id, message, status):
    log.info("dispatch page refused booking=%s status=%s reason=%r", booking_id, status, message)
    context = board_context(org, selected=booking_id, error=message, error_for=booking_id)
    return render(request, "web/_dispatch_board.html", context, status=status)


@org_page(BOARD_ACTION, methods=("POST",))
def assign(request, membership):
    """An operator's manual choice: the driver row is locked and re-checked (409 if taken)."""
    org = membership.organization
    booking_id = int_or_none(request.POST.get("booking"))
    driver_id = int_or_none(request.POST.get("driver"))
    if booking_id is None or driver_id is None:
        return _refused(request, org, booking_id, "Choose a pickup and a driver.", 400)
    try:
        booking = booking_for(org, request.user, booking_id)
        driver = staff_member(org, driver_id)
        services.pickup_assign(booking=booking, driver=driver, acting_user=request.user)
    except NotFound as exc:
        return _refused(request, org, booking_id, exc.message, 404)
    except DomainError as exc:
        return _refused(request, org, booking_id, exc.message, exc.status_code)
    return render(request, "web/_dispatch_board.html", board_context(org, selected=booking_id))


@org_page(BOARD_ACTION, methods=("POST",))
def auto_assign(request, membership):
    """Offer the pickup to the nearest available driver; nobody is a message, not an error."""
    org = membership.organization
    booking_id = int_or_none(request.POST.get("booking"))
    if booking_id is None:
        return _refused(request, org, None, "Choose a pickup.", 400)
    try:
        booking = booking_for(org, request.user, booking_id)
        offer, reason = services.pickup_auto_assign(booking=booking, acting_user=request.user)
    except NotFound as exc:
        return _refused(request, org, booking_id, exc.message, 404)
    except DomainError as exc:
        return _refused(request, org, booking_id, exc.message, exc.status_code)
    message = "" if offer else (reason or "No available driver within the radius.")
    context = board_context(org, selected=booking_id, error=message, error_for=booking_id)
    return render(request, "web/_dispatch_board.html", context)


@org_page(BOARD_ACTION, methods=("GET", "POST"))
def batch(request, membership):
    """GET: the dry run (the plan, its total ETA and greedy's). POST: apply it; each pair is
    re-checked under lock, and the pairs that changed meanwhile are listed."""
    org = membership.organization
    apply = request.method == "POST"
    # Read before applying: an applied pickup is no longer pending.
    names = {p["booking_id"]: p["therapist_name"] for p in selectors.pending_pickups(org)}
    try:
        plan = services.batch_assign(organization=org, acting_user=request.user, dry_run=not apply)
    except DomainError as exc:
        context = {"org": org, "error": exc.message}
        return render(request, "web/_dispatch_batch.html", context, status=exc.status_code)
    for pair in plan["plan"]:
        pair["therapist_name"] = names.get(pair["booking_id"], "")
    plan["total_minutes"] = round((plan.get("total_eta_seconds") or 0) / 60)
    plan["greedy_minutes"] = round((plan.get("greedy_total_eta_seconds") or 0) / 60)
    log.info(
        "dispatch batch from the board dry_run=%s pairs=%d changed=%d",
        not apply,
        len(plan["plan"]),
        len(plan.get("changed") or []),
    )
    return render(request, "web/_dispatch_batch.html", {"org": org, "result": plan})
