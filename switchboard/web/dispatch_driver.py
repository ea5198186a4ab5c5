"""The driver's view and the therapist's pickup card (seed 002), both a worker's own work.

Driver view (`/o/{slug}/dispatch/driver/`): the offer waiting for them with accept /
decline and its countdown; the current task with the next step of the pickup chain as one
big button; a link that opens the pickup location in the phone's maps app; and, while a
task is on, the browser's position posted to the locations endpoint
(`static/web/dispatch.js`).

Therapist card (on My day): "Request pickup" and "Urgent pickup" on a confirmed home-service
booking, then the assigned driver and their ETA, live.
"""

import logging

from django.http import Http404
from django.shortcuts import render

from switchboard.bookings.selectors import bookings_visible
from switchboard.bookings.services import booking_transition
from switchboard.catalog.models import Workflow
from switchboard.common.clock import now
from switchboard.common.errors import DomainError, NotFound
from switchboard.dispatch import selectors, services
from switchboard.staff.channels import member_channels
from switchboard.staff.selectors import staff_for_user
from switchboard.web.dispatch_shared import (
    WORKER_ACTION,
    booking_for,
    clock_time,
    int_or_none,
    iso,
    offer_for,
    status_label,
)
from switchboard.web.views import org_page

log = logging.getLogger(__name__)

# The driver's next move from each status of the chain, and the button that takes it.
NEXT_STEP = {
    "driver_assigned_pickup": ("driver_en_route_pickup", "Start driving to the pickup"),
    "driver_en_route_pickup": ("driver_arrived_pickup", "I have arrived at the pickup"),
    "driver_arrived_pickup": ("therapist_picked_up", "Therapist picked up"),
    "therapist_picked_up": ("en_route", "Drive to the customer"),
    "en_route": ("arrived", "Arrived at the customer"),
}
STATUS_LABELS = {
    "available": "Available",
    "offered": "Offered",
    "busy": "Busy",
    "off_duty": "Off duty",
}
ANSWERS = {"accept": services.offer_accept, "decline": services.offer_decline}


def _me(membership, user):
    me = staff_for_user(membership.organization, user)
    if me is None:
        raise Http404("You have no staff profile here.")
    return me


def maps_links(location) -> dict | None:
    """A `geo:` link (Android opens the maps app) and a maps URL (any phone's browser
    hands it to the maps app)."""
    if not location or location.get("lat") is None or location.get("lng") is None:
        return None
    lat, lng = location["lat"], location["lng"]
    return {
        "geo": f"geo:{lat},{lng}?q={lat},{lng}",
        "web": f"https://www.google.com/maps/search/?api=1&query={lat},{lng}",
    }


def _offer_details(row) -> dict | None:
    offer = row.get("offer")
    if not offer:
        return None
    return offer | {
        "expires_iso": iso(offer["expires_at"]),
        "maps": maps_links(offer.get("pickup_location")),
    }


def _task_details(org, row) -> dict | None:
    task = row.get("current_task")
    if not task:
        return None
    step = NEXT_STEP.get(task["status"])
    before_pickup = task["status"] in ("driver_assigned_pickup", "driver_en_route_pickup")
    return task | {
        "status_label": status_label(task["status"]),
        "next_status": step[0] if step else "",
        "next_label": step[1] if step else "",
        "maps": maps_links(task.get("pickup_location")) if before_pickup else None,
        "eta": row.get("eta") if before_pickup else None,
        "eta_clock": clock_time((row.get("eta") or {}).get("at"), org) if before_pickup else "",
    }


def driver_context(org, me, *, error: str = "") -> dict:
    at = now()
    rows = selectors.driver_rows(org, staff_ids=[me.pk], at=at)
    row = rows[0] if rows else None
    return {
        "org": org,
        "me": me,
        "row": row,
        "status_label": STATUS_LABELS.get(row["status"], "") if row else "",
        "offer": _offer_details(row) if row else None,
        "task": _task_details(org, row) if row else None,
        "server_now": at.isoformat(),
        "error": error,
    }


@org_page(WORKER_ACTION)
def driver_page(request, membership):
    me = _me(membership, request.user)
    context = driver_context(membership.organization, me) | {
        "membership": membership,
        "role": membership.role,
        "realtime_channels": member_channels(membership, me),
    }
    return render(request, "web/dispatch_driver.html", context)


@org_page(WORKER_ACTION)
def driver_view(request, membership):
    me = _me(membership, request.user)
    return render(request, "web/_dispatch_driver.html", driver_context(membership.organization, me))


def _driver_refused(request, org, me, message, status):
    log.info("driver page refused staff=%s status=%s reason=%r", me.pk, status, message)
    context = driver_context(org, me, error=message)
    return render(request, "web/_dispatch_driver.html", context, status=status)


@org_page(WORKER_ACTION, methods=("POST",))
def driver_answer(request, membership):
    """Accept or decline one's own offer; an answered or expired one is a 409 shown here."""
    org = membership.organization
    me = _me(membership, request.user)
    answer = ANSWERS.get(request.POST.get("answer", ""))
    if answer is None:
        return _driver_refused(request, org, me, "Unknown answer.", 400)
    try:
        offer = offer_for(org, me, int_or_none(request.POST.get("offer")))
        answer(offer=offer, acting_user=request.user)
    except NotFound as exc:
        return _driver_refused(request, org, me, exc.message, 404)
    except DomainError as exc:
        return _driver_refused(request, org, me, exc.message, exc.status_code)
    return render(request, "web/_dispatch_driver.html", driver_context(org, me))


@org_page(WORKER_ACTION, methods=("POST",))
def driver_step(request, membership):
    """The next move of the chain on one's own task, through the bookings' workflow."""
    org = membership.organization
    me = _me(membership, request.user)
    status = request.POST.get("status", "")
    if status not in {target for target, _ in NEXT_STEP.values()}:
        return _driver_refused(request, org, me, "Unknown step.", 400)
    try:
        booking = booking_for(org, request.user, int_or_none(request.POST.get("booking")))
        if booking.driver_id != me.pk:
            raise NotFound("No such task.")
        booking_transition(booking=booking, status=status, acting_user=request.user)
    except NotFound as exc:
        return _driver_refused(request, org, me, exc.message, 404)
    except DomainError as exc:
        return _driver_refused(request, org, me, exc.message, exc.status_code)
    return render(request, "web/_dispatch_driver.html", driver_context(org, me))


# The therapist's card

CARD_STATUSES = (
    "confirmed",
    "pickup_requested",
    "driver_assigned_pickup",
    "driver_en_route_pickup",
    "driver_arrived_pickup",
    "therapist_picked_up",
    "en_route",
)


def therapist_context(org, me, user, *, error: str = "", error_for=None) -> dict:
    at = now()
    bookings = list(
        _card_bookings(org, user, me).order_by("starts_at", "pk") if me is not None else []
    )
    arriving_within = selectors.settings_for(org).arriving_eta_minutes
    driver_ids = [b.driver_id for b in bookings if b.driver_id]
    rows = {r["staff_id"]: r for r in selectors.driver_rows(org, staff_ids=driver_ids, at=at)}
    cards = []
    for booking in bookings:
        row = rows.get(booking.driver_id) if booking.driver_id else None
        task = (row or {}).get("current_task") or {}
        eta = row["eta"] if row and task.get("booking_id") == booking.pk else None
        cards.append(
            {
                "booking": booking,
                "status_label": status_label(booking.status),
                "driver_name": _name(booking.driver),
                "eta": eta,
                "eta_clock": clock_time((eta or {}).get("at"), org),
                "arriving": bool(eta) and eta["minutes"] <= arriving_within,
            }
        )
    return {"org": org, "cards": cards, "error": error, "error_for": error_for}


def _card_bookings(org, user, me):
    return bookings_visible(org, user).filter(
        assignee=me, workflow=Workflow.HOME_SERVICE, status__in=CARD_STATUSES
    )


def _name(staff) -> str:
    if staff is None:
        return ""
    return staff.user.get_full_name() or staff.user.username


@org_page(WORKER_ACTION)
def therapist_card(request, membership):
    org = membership.organization
    me = staff_for_user(org, request.user)
    return render(request, "web/_dispatch_pickups.html", therapist_context(org, me, request.user))


def _coordinate(value, limit) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -limit <= number <= limit else None


@org_page(WORKER_ACTION, methods=("POST",))
def therapist_request(request, membership):
    """Request a pickup (normal or urgent) from the browser's position when it gave one."""
    org = membership.organization
    me = _me(membership, request.user)
    booking_id = int_or_none(request.POST.get("booking"))
    urgency = request.POST.get("urgency", "")
    lat = _coordinate(request.POST.get("lat"), 90)
    lng = _coordinate(request.POST.get("lng"), 180)
    if urgency not in ("normal", "urgent"):
        return _card_refused(request, org, me, booking_id, "Unknown urgency.", 400)
    try:
        booking = booking_for(org, request.user, booking_id)
        if booking.assignee_id != me.pk:
            raise NotFound("No such booking.")
        located = {"lat": lat, "lng": lng} if lat is not None and lng is not None else {}
        services.pickup_request(
            booking=booking, acting_user=request.user, urgency=urgency, **located
        )
    except NotFound as exc:
        return _card_refused(request, org, me, booking_id, exc.message, 404)
    except DomainError as exc:
        return _card_refused(request, org, me, booking_id, exc.message, exc.status_code)
    return render(request, "web/_dispatch_pickups.html", therapist_context(org, me, request.user))


def _card_refused(request, org, me, booking_id, message, status):
    log.info("pickup request refused staff=%s status=%s reason=%r", me.pk, status, message)
    context = therapist_context(org, me, request.user, error=message, error_for=booking_id)
    return render(request, "web/_dispatch_pickups.html", context, status=status)
