"""A booking's next moves as buttons labelled in words, and the view that takes one.

The buttons come from the booking's workflow table for the viewer's role (the service
checks again when one is pressed); a move that ends the booking is marked destructive so
that the page asks before taking it. Every answer is the booking's card, refreshed, with
the service's refusal written on it when there is one.
"""

import logging
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render

from switchboard.accounts.permissions import acting_role
from switchboard.bookings import services
from switchboard.bookings.selectors import bookings_visible
from switchboard.bookings.workflows import Status, workflow
from switchboard.catalog.models import Workflow
from switchboard.common.errors import DomainError, NotFound
from switchboard.web.views import org_page

logger = logging.getLogger(__name__)

S = Status
LABELS = {
    S.CONFIRMED: "Confirm",
    S.IN_PROGRESS: "Start",
    S.COMPLETED: "Complete",
    S.CANCELLED: "Cancel",
    S.ACTIVE: "Check in",
    S.EXPIRED: "Mark expired",
    S.REJECTED: "Reject",
    S.PENDING: "Reopen",
    S.PICKUP_REQUESTED: "Request pickup",
    S.DRIVER_ASSIGNED_PICKUP: "Driver assigned",
    S.DRIVER_EN_ROUTE_PICKUP: "Driver on the way",
    S.DRIVER_ARRIVED_PICKUP: "Driver arrived",
    S.THERAPIST_PICKED_UP: "Therapist picked up",
    S.EN_ROUTE: "On the way",
    S.ARRIVED: "Arrived",
}
DESTRUCTIVE = frozenset({S.CANCELLED, S.EXPIRED, S.REJECTED})
# A timed session's moves have services of their own: ending one early also moves its end
# to now, so that the machine's history says when it was really freed (docs/sessions.md).
SESSION_MOVES = {S.COMPLETED: services.session_end, S.CANCELLED: services.session_cancel}
SESSION_LABELS = {S.COMPLETED: "End now"}


@dataclass(frozen=True)
class MoveButton:
    target: str
    label: str
    destructive: bool
    needs_reason: bool


def next_moves(booking, role: str | None) -> list[MoveButton]:
    """The moves `role` may offer on `booking` now; a move that needs a driver the booking
    lacks is left to the booking's page, where the driver is chosen."""
    if role is None:
        return []
    wf = workflow(booking.workflow)
    buttons = []
    for target in wf.table.next_states(booking.status, role):
        needed = wf.required_field(target)
        if needed == "driver" and booking.driver_id is None:
            continue
        buttons.append(
            MoveButton(
                target=target,
                label=_label(booking, target),
                destructive=target in DESTRUCTIVE,
                needs_reason=needed == "rejection_reason",
            )
        )
    return buttons


def _label(booking, target: str) -> str:
    if booking.workflow == Workflow.SESSION and target in SESSION_LABELS:
        return SESSION_LABELS[target]
    return LABELS.get(target, target.replace("_", " ").capitalize())


def take_move(booking, target: str, reason: str | None, user):
    """The service that takes this move: a session's own, else `booking_transition`."""
    if booking.workflow == Workflow.SESSION and target in SESSION_MOVES:
        return SESSION_MOVES[target](booking=booking, acting_user=user)
    return services.booking_transition(
        booking=booking, status=target, rejection_reason=reason, acting_user=user
    )


def visible_booking(membership, user, pk):
    """The booking if `user` may see it (customers their own, staff their work), else 404."""
    booking = bookings_visible(membership.organization, user).filter(pk=pk).first()
    if booking is None:
        raise Http404("No such booking.")
    return booking


def card_context(membership, user, booking, *, error: str = "") -> dict:
    role = acting_role(membership.organization, user)
    return {
        "org": membership.organization,
        "role": role,
        "b": booking,
        "moves": next_moves(booking, role),
        "error": error,
    }


@org_page("bookings.transition", methods=("POST",))
def booking_move(request, membership, pk):
    """Take one move (`status`, and `reason` for a rejection); answer with the card."""
    booking = visible_booking(membership, request.user, pk)
    target = request.POST.get("status", "")
    reason = request.POST.get("reason", "").strip() or None
    status_code, error = 200, ""
    if target not in S.values:
        status_code, error = 400, "Choose one of the buttons."
    else:
        try:
            take_move(booking, target, reason, request.user)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            status_code, error = exc.status_code, _message(exc)
            logger.info(
                "booking_move_refused booking=%s target=%s status=%s", pk, target, status_code
            )
    fresh = bookings_visible(membership.organization, request.user).filter(pk=pk).first()
    if fresh is None:
        # The move took the booking off this person's list (a driver who declined).
        context = {"org": membership.organization, "pk": pk}
        return render(request, "web/_booking_gone.html", context)
    context = card_context(membership, request.user, fresh, error=error)
    context["compact"] = request.POST.get("compact") == "1"
    return render(request, "web/_booking_card.html", context, status=status_code)


def _message(exc: DomainError) -> str:
    fields = getattr(exc, "fields", None)
    if fields:
        return " ".join(message for messages in fields.values() for message in messages)
    return exc.message
