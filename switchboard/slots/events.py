"""Events of the slots app, declared once with who may read each field.

`slots-maintained` tells managers what a run changed. `slot-updated` tells every page that
shows a slot how many seats it has left; it goes to the organisation channel and, while
the public booking page is on, to the public channel that page listens to.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar

from switchboard.common.clock import now
from switchboard.realtime.events import Event, declare
from switchboard.realtime.publish import publish
from switchboard.slots.models import SlotAutomationSettings
from switchboard.staff.channels import FieldReaders as R
from switchboard.staff.channels import managers_channel, org_channel, public_channel


@declare
@dataclass(frozen=True, kw_only=True)
class SlotsMaintained(Event):
    event_name: ClassVar[str] = "slots-maintained"
    channels: ClassVar[tuple[str, ...]] = ("managers",)

    trigger: Annotated[str, R.MANAGERS]
    provider_id: Annotated[int | None, R.MANAGERS]
    service_id: Annotated[int | None, R.MANAGERS]
    days_ahead: Annotated[int, R.MANAGERS]
    created: Annotated[int, R.MANAGERS]
    removed: Annotated[int, R.MANAGERS]
    expired: Annotated[int, R.MANAGERS]
    updated: Annotated[int, R.MANAGERS]
    conflicts: Annotated[int, R.MANAGERS]
    timestamp: Annotated[datetime, R.MANAGERS]


@declare
@dataclass(frozen=True, kw_only=True)
class SlotUpdated(Event):
    event_name: ClassVar[str] = "slot-updated"
    channels: ClassVar[tuple[str, ...]] = ("org", "public")

    slot_id: Annotated[int, R.PUBLIC]
    service_id: Annotated[int, R.PUBLIC]
    provider_id: Annotated[int, R.PUBLIC]
    starts_at: Annotated[datetime, R.PUBLIC]
    ends_at: Annotated[datetime, R.PUBLIC]
    capacity: Annotated[int, R.PUBLIC]
    booked: Annotated[int, R.PUBLIC]
    remaining: Annotated[int, R.PUBLIC]
    available: Annotated[bool, R.PUBLIC]
    timestamp: Annotated[datetime, R.PUBLIC]


def emit_slots_maintained(organization, report, *, trigger, provider=None, service=None):
    changes = report.changes
    event = SlotsMaintained(
        trigger=str(trigger),
        provider_id=getattr(provider, "pk", None),
        service_id=getattr(service, "pk", None),
        days_ahead=report.days_ahead,
        created=changes.created,
        removed=changes.removed,
        expired=changes.expired,
        updated=changes.updated,
        conflicts=changes.conflicts,
        timestamp=now(),
    )
    publish(organization, [managers_channel(organization.slug)], event)


def emit_slot_updated(organization, row) -> None:
    """`row`: a `selectors.SlotRow` (seats counted after the change)."""
    channels = [org_channel(organization.slug)]
    public = SlotAutomationSettings.objects.filter(organization=organization, public_booking=True)
    if public.exists():
        channels.append(public_channel(organization.slug))
    event = SlotUpdated(
        slot_id=row.id,
        service_id=row.service_id,
        provider_id=row.provider_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        capacity=row.capacity,
        booked=row.booked,
        remaining=row.remaining,
        available=row.available,
        timestamp=now(),
    )
    publish(organization, channels, event)
