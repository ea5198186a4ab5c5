"""What a home-service booking's moves do for dispatch, attached to the workflow
(`bookings.workflows.attach`), so that every path (the seed's PATCH, `pickup_request`, the
admin) writes the same rows and events.

- entering `pickup_requested`: the `PickupRequest` is written (or renewed), with the urgency
  and place `pickup_request` gave, else urgent when the notes say "URGENT" (the seed's
  convention) and at the therapist's latest position; `pickup-requested` goes out;
- leaving `pickup_requested` for anything but a driver's assignment (a cancellation):
  pending offers are withdrawn.
"""

from contextvars import ContextVar

from switchboard.bookings.effects import SideEffect, Step
from switchboard.bookings.workflows import HOME_SERVICE, Status, attach, detach
from switchboard.dispatch.events import emit_pickup_requested
from switchboard.dispatch.models import Answer, DriverPosition, PickupOffer, PickupRequest, Urgency

# What `pickup_request` says about the request it is making, for the effect below.
request_details: ContextVar[dict | None] = ContextVar("pickup_request_details", default=None)


def _details(step: Step) -> dict:
    given = request_details.get() or {}
    booking = step.booking
    urgent = booking.notes.strip().upper().startswith("URGENT")
    details = {
        "urgency": given.get("urgency") or (Urgency.URGENT if urgent else Urgency.NORMAL),
        "lat": given.get("lat"),
        "lng": given.get("lng"),
        "address": given.get("address") or "",
    }
    if details["lat"] is None and booking.assignee_id is not None:
        found = DriverPosition.objects.filter(staff_id=booking.assignee_id).first()
        if found is not None:
            details["lat"], details["lng"] = found.lat, found.lng
    return details


def _record_request(step: Step) -> None:
    booking = step.booking
    values = _details(step) | {
        "organization_id": booking.organization_id,
        "requested_at": step.at,
        "requested_by": step.user,
        "arriving_notified_at": None,
        "arrived_suggested_at": None,
    }
    PickupRequest.objects.update_or_create(booking=booking, defaults=values)


def _announce_request(step: Step) -> None:
    pickup = PickupRequest.objects.get(booking=step.booking)
    emit_pickup_requested(step.booking, pickup)


def _withdraw_offers(step: Step) -> None:
    PickupOffer.objects.filter(booking=step.booking, answer=Answer.PENDING).update(
        answer=Answer.WITHDRAWN, answered_at=step.at
    )


REQUESTED = SideEffect(
    target=Status.PICKUP_REQUESTED.value, after=_record_request, events=(_announce_request,)
)
CANCELLED = SideEffect(
    source=Status.PICKUP_REQUESTED.value,
    target=Status.CANCELLED.value,
    after=_withdraw_offers,
)


def attach_to_workflow() -> None:
    for effect in (REQUESTED, CANCELLED):
        detach(HOME_SERVICE.name, effect)  # once, however often the app is made ready
        attach(HOME_SERVICE.name, effect)
