"""Typed events: `publish` takes only declared events, whole, and `docs/events.md` lists
each one with all its fields and its channels."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar

import pytest

from switchboard.bookings import events as booking_events
from switchboard.realtime.events import Event, declare, declared_events
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import publish
from switchboard.staff import events as staff_events
from switchboard.staff.channels import FieldReaders as R
from switchboard.staff.channels import managers_channel, org_channel, staff_channel

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
assert booking_events and staff_events  # imported for their declarations


@dataclass(frozen=True, kw_only=True)
class NotDeclared(Event):
    event_name: ClassVar[str] = "not-declared"
    channels: ClassVar[tuple[str, ...]] = ("org",)
    n: Annotated[int, R.INTERNAL]


def unassigned(**changes):
    values = {
        "booking_id": 1,
        "workflow": "standard",
        "status": "pending",
        "service_id": 2,
        "service_name": "Car wash",
        "starts_at": "2026-03-02T09:00:00Z",
        "ends_at": None,
        "reason": "No one is free.",
        "timestamp": "2026-03-02T08:00:00Z",
    }
    return booking_events.BookingUnassigned(**(values | changes))


def test_publish_refuses_undeclared_events_and_plain_dicts(org):
    with pytest.raises(TypeError):
        publish(org, [org_channel(org.slug)], NotDeclared(n=1))
    with pytest.raises(TypeError):
        publish(org, [org_channel(org.slug)], {"event": "booking-unassigned"})
    assert not OutboxEvent.objects.exists()


def test_a_missing_or_extra_field_is_refused():
    values = {"booking_id": 1}
    with pytest.raises(TypeError):
        booking_events.BookingUnassigned(**values)
    with pytest.raises(TypeError):
        unassigned(customer_phone="+353 1 234 5678")


def test_a_field_without_readers_cannot_be_declared():
    with pytest.raises(TypeError, match="who may read"):

        @declare
        @dataclass(frozen=True, kw_only=True)
        class Careless(Event):
            event_name: ClassVar[str] = "careless"
            channels: ClassVar[tuple[str, ...]] = ("org",)
            notes: str

    with pytest.raises(TypeError, match="declared twice"):

        @declare
        @dataclass(frozen=True, kw_only=True)
        class Twin(Event):
            event_name: ClassVar[str] = "booking-updated"
            channels: ClassVar[tuple[str, ...]] = ("org",)


def test_publish_writes_each_channel_what_its_audience_may_read(org):
    rows = publish(org, [managers_channel(org.slug), staff_channel(org.slug, 7)], unassigned())
    assert rows[0].payload["reason"] == "No one is free."
    assert rows[1].payload == {}
    with pytest.raises(ValueError):
        publish(org, ["private-org-acme.somewhere"], unassigned())


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## `([a-z-]+)`\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_reference_lists_every_event_with_its_fields_and_channels():
    sections = _sections(DOCS.read_text())
    for name, event in declared_events().items():
        assert name in sections, f"docs/events.md has no section for {name}"
        text = sections[name]
        for field in event.field_readers():
            assert f"`{field}`" in text, f"{name}: field {field} is not documented"
        [line] = re.findall(r"^Channels: (.*)\.$", text, flags=re.M)
        assert re.findall(r"`([a-z]+)`", line) == list(event.channels), name
