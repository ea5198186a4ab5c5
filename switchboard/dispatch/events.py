"""Events of dispatch, with seed 002's payload fields (plus `event_id`, added by the outbox).

Each goes to the managers' channel and to the staff channels of the people it concerns
(the driver, the therapist): fields are `OWN_WORK`, read in full by managers and by the
staff member whose work it is, through `dispatch/` and `bookings/` API reads.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar

from switchboard.common.clock import now
from switchboard.realtime.events import Event, declare
from switchboard.realtime.publish import publish
from switchboard.staff.channels import FieldReaders as R
from switchboard.staff.channels import managers_channel, staff_channel

W = R.OWN_WORK


@declare
@dataclass(frozen=True, kw_only=True)
class PickupRequested(Event):
    event_name: ClassVar[str] = "pickup-requested"
    channels: ClassVar[tuple[str, ...]] = ("managers", "staff")

    therapist_id: Annotated[int | None, W]
    appointment_id: Annotated[int, W]
    urgency: Annotated[str, W]
    location: Annotated[dict | None, W]
    therapist_name: Annotated[str | None, W]
    requested_at: Annotated[datetime, W]


@declare
@dataclass(frozen=True, kw_only=True)
class DriverAssignedPickup(Event):
    event_name: ClassVar[str] = "driver-assigned-pickup"
    channels: ClassVar[tuple[str, ...]] = ("managers", "staff")

    driver_id: Annotated[int, W]
    therapist_id: Annotated[int | None, W]
    appointment_id: Annotated[int, W]
    estimated_arrival: Annotated[datetime | None, W]
    eta_minutes: Annotated[int | None, W]
    driver_name: Annotated[str, W]
    therapist_name: Annotated[str | None, W]
    pickup_location: Annotated[dict | None, W]


@declare
@dataclass(frozen=True, kw_only=True)
class DriverUpdate(Event):
    event_name: ClassVar[str] = "driver-update"
    channels: ClassVar[tuple[str, ...]] = ("managers", "staff")

    driver_id: Annotated[int, W]
    driver_name: Annotated[str, W]
    status: Annotated[str, W]
    position: Annotated[dict | None, W]
    current_task: Annotated[dict | None, W]
    eta_minutes: Annotated[int | None, W]
    estimated_arrival: Annotated[datetime | None, W]
    timestamp: Annotated[datetime, W]


@declare
@dataclass(frozen=True, kw_only=True)
class PickupOfferEvent(Event):
    event_name: ClassVar[str] = "pickup-offer"
    channels: ClassVar[tuple[str, ...]] = ("managers", "staff")

    offer_id: Annotated[int, W]
    appointment_id: Annotated[int, W]
    driver_id: Annotated[int, W]
    driver_name: Annotated[str, W]
    answer: Annotated[str, W]
    urgency: Annotated[str, W]
    pickup_location: Annotated[dict | None, W]
    therapist_name: Annotated[str | None, W]
    eta_minutes: Annotated[int | None, W]
    distance_m: Annotated[int | None, W]
    sent_at: Annotated[datetime, W]
    expires_at: Annotated[datetime, W]


@declare
@dataclass(frozen=True, kw_only=True)
class DriverArrival(Event):
    event_name: ClassVar[str] = "driver-arrival"
    channels: ClassVar[tuple[str, ...]] = ("managers", "staff")

    appointment_id: Annotated[int, W]
    driver_id: Annotated[int, W]
    driver_name: Annotated[str, W]
    kind: Annotated[str, W]
    eta_minutes: Annotated[int | None, W]


def _to(org, *staff_ids) -> list[str]:
    people = sorted({pk for pk in staff_ids if pk is not None})
    return [managers_channel(org.slug), *(staff_channel(org.slug, pk) for pk in people)]


def emit_pickup_requested(booking, pickup) -> None:
    org = booking.organization
    event = PickupRequested(
        therapist_id=booking.assignee_id,
        appointment_id=booking.pk,
        urgency=pickup.urgency,
        location=pickup.location(),
        therapist_name=booking.assignee.full_name if booking.assignee_id else None,
        requested_at=pickup.requested_at,
    )
    publish(org, _to(org, booking.assignee_id), event)


def emit_driver_assigned(booking, pickup, driver, eta_value, at) -> None:
    org = booking.organization
    arrival = at + eta_value.as_delta() if eta_value else None
    event = DriverAssignedPickup(
        driver_id=driver.pk,
        therapist_id=booking.assignee_id,
        appointment_id=booking.pk,
        estimated_arrival=arrival,
        eta_minutes=eta_value.minutes if eta_value else None,
        driver_name=driver.full_name,
        therapist_name=booking.assignee.full_name if booking.assignee_id else None,
        pickup_location=pickup.location() if pickup else None,
    )
    publish(org, _to(org, driver.pk, booking.assignee_id), event)


def emit_driver_update(org, row: dict, *, therapist_id=None) -> None:
    """`row` is a `selectors.driver_rows` row."""
    eta_row = row["eta"]
    task = row["current_task"]
    event = DriverUpdate(
        driver_id=row["staff_id"],
        driver_name=row["name"],
        status=row["status"],
        position=row["position"],
        current_task={"booking_id": task["booking_id"], "status": task["status"]} if task else None,
        eta_minutes=eta_row["minutes"] if eta_row else None,
        estimated_arrival=eta_row["at"] if eta_row else None,
        timestamp=now(),
    )
    publish(org, _to(org, row["staff_id"], therapist_id), event)


def emit_pickup_offer(offer, body: dict) -> None:
    """`body` is `selectors.offer_dict(offer)`."""
    org = offer.booking.organization
    fields = {name: body[name] for name in PickupOfferEvent.field_readers()}
    publish(org, _to(org, offer.driver_id), PickupOfferEvent(**fields))


def emit_driver_arrival(booking, driver, kind: str, minutes) -> None:
    org = booking.organization
    event = DriverArrival(
        appointment_id=booking.pk,
        driver_id=driver.pk,
        driver_name=driver.full_name,
        kind=kind,
        eta_minutes=minutes,
    )
    publish(org, _to(org, driver.pk, booking.assignee_id), event)
