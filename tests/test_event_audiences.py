"""Every declared event, every channel kind, every role: no field reaches anyone the API
would refuse it, neither live (what the relay publishes) nor by replay.

One scenario emits every event through its emitter. Then, for each outbox row and each
person who may subscribe to its channel, each field they receive must be one the API shows
them: the same object readable by them, with that field in what they get. Fields that only
say what the event is about (the booking it concerns, the action, when) are listed in META.
"""

import json
from datetime import date, time, timedelta

import pytest

from switchboard.bookings import events as booking_events
from switchboard.bookings import services as booking_services
from switchboard.bookings.services import session_start
from switchboard.common.clock import now
from switchboard.dispatch import services as dispatch
from switchboard.realtime import relay
from switchboard.realtime.authorization import authorize_channel
from switchboard.realtime.events import declared_events
from switchboard.realtime.models import OutboxEvent
from switchboard.slots import services as slot_services
from switchboard.slots.models import BookingSlot, ProviderAvailability
from switchboard.staff import events as staff_events
from switchboard.staff.attendance import roster
from switchboard.staff.attendance import services as attendance
from switchboard.staff.channels import (
    customer_channel,
    dept_channel,
    managers_channel,
    org_channel,
    parse,
    presence_channel,
    staff_channel,
)
from tests.accounts.factories import MembershipFactory
from tests.bookings.factories import book, car_wash, session_service, staff_with
from tests.catalog.factories import ResourceFactory, skill
from tests.dispatch.factories import pickup_at, place
from tests.staff.factories import DepartmentFactory

# What the event is about, not what the object holds: the addressee knows it already.
META = {"action", "timestamp", "booking_id", "reason"}

# event field -> (API object, path in what the API answers). A path of None: the object
# must be readable in full (fields the API keeps in its audit trail, not its detail).
BOOKING = {
    "workflow": ("booking", "workflow"),
    "status": ("booking", "status"),
    "previous_status": ("booking", "status"),
    "service_id": ("booking", "service.id"),
    "service_name": ("booking", "service.name"),
    "starts_at": ("booking", "starts_at"),
    "ends_at": ("booking", "ends_at"),
    "resource_id": ("booking", "resource.id"),
    "changed": ("booking", "notes"),
    "parent_id": ("booking", "parent"),
    "assignee_id": ("booking", "assignee.id"),
    "assignee_name": ("booking", "assignee.full_name"),
    "previous_assignee_id": ("booking", "assignee"),
    "driver_id": ("booking", "driver.id"),
    "driver_name": ("booking", "driver.full_name"),
    "previous_driver_id": ("booking", "driver"),
    "therapist_accepted": ("booking", "therapist_accepted"),
    "driver_accepted": ("booking", "driver_accepted"),
    "rejection_reason": ("booking", "rejection_reason"),
    "notes": ("booking", "notes"),
}
SOURCES = {
    "booking-updated": BOOKING,
    "booking-unassigned": {
        **{key: BOOKING[key] for key in ("workflow", "status", "service_id", "service_name")},
        **{key: BOOKING[key] for key in ("starts_at", "ends_at")},
        "reason": ("booking", "assignee"),
    },
    "workload-updated": {
        "staff_id": ("employee", "id"),
        "employee_name": ("employee", "full_name"),
        "department_slug": ("employee", "department.slug"),
        "standalone_bookings": ("employee", "standalone_bookings"),
        "addon_services": ("employee", "addon_services"),
        "driving": ("employee", "driving"),
        "current_assignments": ("employee", "current_assignments"),
        "capacity": ("employee", "capacity"),
        "availability_status": ("employee", "availability_status"),
    },
    "staff-profile-updated": {
        "staff_id": ("staff", "id"),
        "user_id": ("staff", "user_id"),
        "first_name": ("staff", "first_name"),
        "last_name": ("staff", "last_name"),
        "full_name": ("staff", "full_name"),
        "department": ("staff", "department.name"),
        "department_slug": ("staff", "department.slug"),
        "skills": ("staff", "skills"),
        "capacity": ("staff", "capacity"),
        "is_active": ("staff", "is_active"),
    },
    "resource-status-updated": {
        "resource_id": ("board", "resource_id"),
        "name": ("board", "name"),
        "kind": ("board", "kind"),
        "status": ("board", "status"),
        "active_booking_id": ("board", "active_booking"),
        "starts_at": ("board", "starts_at"),
        "ends_at": ("board", "ends_at"),
        "remaining_seconds": ("board", "remaining_seconds"),
    },
    "clock-status-updated": {
        **{
            key: ("attendance", key)
            for key in ("staff_id", "user_id", "first_name", "last_name", "duty_status")
        },
        **{key: ("attendance", key) for key in ("is_on_duty", "is_on_break", "status_label")},
        **{key: ("attendance", key) for key in ("department", "department_slug")},
        "current_status": ("attendance", "current_status"),
        "clock_time": ("attendance", "clock_in_at"),
    },
    "attendance-logged": {
        "log_id": ("log", "id"),
        **{key: ("log", key) for key in ("staff_id", "staff_name", "source", "auto_closed")},
        **{key: ("log", key) for key in ("clock_in_at", "clock_out_at")},
    },
    "roster-updated": {
        "roster_id": ("shift", "id"),
        **{key: ("shift", key) for key in ("staff_id", "staff_name", "department", "location")},
        "shift_date": ("shift", "date"),
        "shift_start": ("shift", "start_time"),
        "shift_end": ("shift", "end_time"),
    },
    "slot-updated": {
        "slot_id": ("slot", "id"),
        **{
            key: ("slot", key[:-3] if key.endswith("_id") else key)
            for key in (
                "service_id",
                "provider_id",
                "starts_at",
                "ends_at",
                "capacity",
                "booked",
                "remaining",
                "available",
            )
        },
    },
    "slots-maintained": {
        key: ("slot_run", key)
        for key in (
            "trigger",
            "provider_id",
            "service_id",
            "days_ahead",
            "created",
            "removed",
            "expired",
            "updated",
            "conflicts",
        )
    },
    "session-completed": {
        "resource_id": ("session", "resource_id"),
        "resource_name": ("session", "resource_name"),
        "status": ("session", "status"),
        "starts_at": ("session", "starts_at"),
        "ends_at": ("session", "ends_at"),
    },
}
# Dispatch: the pickup's detail and the driver's row (`/api/orgs/{slug}/dispatch/`).
SOURCES |= {
    "pickup-requested": {
        "therapist_id": ("pickup", "therapist_id"),
        "appointment_id": ("pickup", "booking_id"),
        **{key: ("pickup", key) for key in ("urgency", "location", "therapist_name")},
        "requested_at": ("pickup", "requested_at"),
    },
    "driver-assigned-pickup": {
        "driver_id": ("pickup", "driver.staff_id"),
        "driver_name": ("pickup", "driver.name"),
        **{key: ("pickup", key) for key in ("therapist_id", "therapist_name")},
        "appointment_id": ("pickup", "booking_id"),
        "estimated_arrival": ("pickup", "driver.eta.at"),
        "eta_minutes": ("pickup", "driver.eta.minutes"),
        "pickup_location": ("pickup", "location"),
    },
    "driver-update": {
        "driver_id": ("driver", "staff_id"),
        "driver_name": ("driver", "name"),
        **{key: ("driver", key) for key in ("status", "position", "current_task")},
        "eta_minutes": ("driver", "eta.minutes"),
        "estimated_arrival": ("driver", "eta.at"),
    },
    "pickup-offer": {
        "offer_id": ("driver", "offer.offer_id"),
        "appointment_id": ("driver", "offer.booking_id"),
        "driver_id": ("driver", "staff_id"),
        "driver_name": ("driver", "name"),
        **{
            key: ("driver", f"offer.{key}")
            for key in ("answer", "urgency", "pickup_location", "therapist_name", "eta_minutes")
        },
        **{key: ("driver", f"offer.{key}") for key in ("distance_m", "sent_at", "expires_at")},
    },
    "driver-arrival": {
        "appointment_id": ("pickup", "booking_id"),
        "driver_id": ("pickup", "driver.staff_id"),
        "driver_name": ("pickup", "driver.name"),
        "kind": ("pickup", "arrived_suggested_at"),
        "eta_minutes": ("pickup", "driver.eta.minutes"),
    },
}
DISPATCH_EVENTS = {"pickup-requested", "driver-assigned-pickup", "driver-update"}
DISPATCH_EVENTS |= {"pickup-offer", "driver-arrival"}
KINDS = ("org", "managers", "staff", "dept", "customer", "presence", "public")


def test_every_declared_event_has_its_sources_here():
    for name, event in declared_events().items():
        assert set(event.field_readers()) - META <= set(SOURCES[name]), name
        assert set(event.channels) <= set(KINDS), name


class Scene:
    """An organisation with every role, a booking, a session, and every event emitted."""

    def __init__(self, org, api, monkeypatch):
        self.org, self.api = org, api
        self.readers = {}
        front = DepartmentFactory(organization=org, slug="front")
        back = DepartmentFactory(organization=org, slug="back")
        self.holder = staff_with(org, "employee", department=front)
        self.former = staff_with(org, "employee", department=front)
        self.other = staff_with(org, "employee", department=back)
        self.customer = MembershipFactory(organization=org, role="customer").user
        stranger = MembershipFactory(organization=org, role="customer").user
        self.people = {
            "owner": MembershipFactory(organization=org, role="owner").user,
            "operator": MembershipFactory(organization=org, role="operator").user,
            "staff (holder)": self.holder.user,
            "staff (former holder)": self.former.user,
            "staff (other department)": self.other.user,
            "customer (own booking)": self.customer,
            "customer (another's booking)": stranger,
        }
        self.channels = [
            org_channel(org.slug),
            managers_channel(org.slug),
            presence_channel(org.slug),
            *(staff_channel(org.slug, s.pk) for s in (self.holder, self.former, self.other)),
            dept_channel(org.slug, front.slug),
            dept_channel(org.slug, back.slug),
            *(customer_channel(org.slug, user.pk) for user in (self.customer, stranger)),
        ]
        self.sent = []
        monkeypatch.setattr(relay, "get_broker", lambda: self)
        self._emit_everything()

    def publish_from_thread(self, messages):  # the broker the relay publishes to
        self.sent.extend(messages)

    def _emit_everything(self):
        org, owner = self.org, self.people["owner"]
        self.booking = book(org, car_wash(org), owner, assignee=self.holder, customer=self.customer)
        self.booking.notes = "gate code 4411, customer is rude"
        self.booking.save(update_fields=["notes"])
        booking_events.emit_booking_updated(
            self.booking, "updated", changed=["assignee"], previous={"assignee_id": self.former.pk}
        )
        booking_events.emit_booking_unassigned(self.booking, "nobody free")
        booking_events.emit_workload_updated(org, [self.holder.pk])
        staff_events.emit_staff_profile_updated(self.holder, "updated")
        session_service(org)
        pc = ResourceFactory(organization=org, name="PC01", kind="pc")
        self.session = session_start(
            organization=org, resource=pc, minutes=30, customer=self.customer, acting_user=owner
        )
        booking_events.emit_session_completed(self.session, reason="ended")
        self._emit_slot_events(owner)
        attendance.staff_clock_in(organization=org, acting_user=None, staff=self.holder)
        roster.shift_create(
            organization=org,
            acting_user=owner,
            staff=self.holder,
            date=date(2026, 6, 1),
            start_time=time(9),
            end_time=time(17),
            location="Reception",
        )
        self._emit_dispatch()
        while relay.relay_pending():
            pass

    def _emit_dispatch(self):
        """The holder drives a pickup of a therapist outside the scene: every dispatch event."""
        org, owner = self.org, self.people["owner"]
        self.holder.skills.add(skill(org, "driver"))
        lat, lng = place(2)
        dispatch.position_record(
            organization=org, staff=self.holder, lat=lat, lng=lng, acting_user=None
        )
        booking = pickup_at(org, owner, therapist=staff_with(org, "therapist"))
        offer, _ = dispatch.pickup_auto_assign(booking=booking, acting_user=owner)
        dispatch.offer_accept(offer=offer, acting_user=self.holder.user)
        lat, lng = place(0.01)
        dispatch.position_record(
            organization=org, staff=self.holder, lat=lat, lng=lng, acting_user=None
        )

    def _emit_slot_events(self, owner):
        """A slot booked through the page's service, the public page on: `slot-updated`
        on the organisation and public channels; a maintenance run: `slots-maintained`."""
        slot_services.slot_settings_update(
            organization=self.org, acting_user=owner, public_booking=True
        )
        window_provider = staff_with(self.org, "employee")
        service = car_wash(self.org, name="Slot wash")
        service.providers.set([window_provider])
        ProviderAvailability.objects.create(
            organization=self.org,
            staff=window_provider,
            weekday=(now() + timedelta(days=1)).weekday(),
            start_time=time(0),
            end_time=time(0),
        )
        slot_services.slots_maintain(organization=self.org, acting_user=owner, days_ahead=3)
        slot = BookingSlot.objects.filter(service=service).order_by("starts_at").first()
        booking_services.booking_create(
            organization=self.org, slot=slot, customer_name="Walk-in", acting_user=owner
        )

    def api_objects(self, user, row) -> dict:
        """What the API answers `user` about the object `row` concerns."""
        client = self._reader(user)
        base = f"/api/orgs/{self.org.slug}"
        payload = row.payload
        objects = {}
        if "booking_id" in payload or row.event == "booking-updated":
            answer = client.get(f"{base}/bookings/{payload['booking_id']}/")
            objects["booking"] = answer.json() if answer.status_code == 200 else None
        if "staff_id" in payload:
            for name, tail in (("employee", "employees"), ("staff", "staff")):
                answer = client.get(f"{base}/{tail}/{payload['staff_id']}/")
                objects[name] = answer.json() if answer.status_code == 200 else None
        if row.event == "resource-status-updated":
            answer = client.get(f"{base}/resource-board/")
            rows = answer.json()["resources"] if answer.status_code == 200 else []
            objects["board"] = next(
                (r for r in rows if r["resource_id"] == payload["resource_id"]), None
            )
        if row.event == "session-completed":
            answer = client.get(f"{base}/sessions/", {"status": "all"})
            found = answer.json()["results"] if answer.status_code == 200 else []
            objects["session"] = next((s for s in found if s["id"] == payload["booking_id"]), None)
        objects.update(self._attendance_objects(client, base, row))
        if row.event in DISPATCH_EVENTS:
            objects.update(self._dispatch_objects(client, base, payload))
        objects.update(self._slot_objects(client, base, row))
        return objects

    def _reader(self, user):
        """`user`'s API client; answers are kept, as nothing changes while they are read:
        many events point at the same list (the board, the drivers, the status)."""
        if user.pk not in self.readers:
            self.readers[user.pk] = CachedReads(self.api, user)
        return self.readers[user.pk]

    def _slot_objects(self, client, base, row) -> dict:
        payload = row.payload
        if row.event == "slot-updated":
            day = payload["starts_at"][:10]
            answer = client.get(f"{base}/slots/", {"date_from": day, "date_to": day})
            rows = answer.json() if answer.status_code == 200 else []
            return {"slot": next((r for r in rows if r["id"] == payload["slot_id"]), None)}
        if row.event == "slots-maintained":
            answer = client.get(f"{base}/slots/health/")
            return {"slot_run": answer.json()["last_run"] if answer.status_code == 200 else None}
        return {}

    def _dispatch_objects(self, client, base, payload) -> dict:
        found = {}
        if "appointment_id" in payload:
            answer = client.get(f"{base}/dispatch/pickups/{payload['appointment_id']}/")
            found["pickup"] = answer.json() if answer.status_code == 200 else None
        if "driver_id" in payload:
            answer = client.get(f"{base}/dispatch/drivers/")
            rows = answer.json()["results"] if answer.status_code == 200 else []
            found["driver"] = next((r for r in rows if r["staff_id"] == payload["driver_id"]), None)
        return found

    def _attendance_objects(self, client, base, row) -> dict:
        payload = row.payload
        if row.event == "clock-status-updated":
            answer = client.get(f"{base}/attendance/status/")
            rows = answer.json() if answer.status_code == 200 else []
            found = [r for r in rows if r["staff_id"] == payload["staff_id"]]
            return {"attendance": found[0] if found else None}
        if row.event == "attendance-logged":
            answer = client.get(f"{base}/attendance/logs/", {"staff": payload["staff_id"]})
            rows = answer.json()["results"] if answer.status_code == 200 else []
            return {"log": next((r for r in rows if r["id"] == payload["log_id"]), None)}
        if row.event == "roster-updated":
            answer = client.get(f"{base}/roster/shifts/{payload['roster_id']}/")
            return {"shift": answer.json() if answer.status_code == 200 else None}
        return {}


def shown(objects, source) -> bool:
    """Whether the API answer holds the path (a None along the way holds it too)."""
    obj, path = source
    value = objects.get(obj)
    if value is None:
        return False
    for part in (path or "").split(".") if path else []:
        if value is None:
            return True
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


class CachedReads:
    """GET through the API as one user, each distinct request made once."""

    def __init__(self, api, user):
        self.api, self.user, self.answers = api, user, {}

    def get(self, url, params=None):
        key = (url, tuple(sorted((params or {}).items())))
        if key not in self.answers:
            self.answers[key] = self.api.as_user(self.user).get(url, params)
        return self.answers[key]


@pytest.fixture
def scene(org, api, monkeypatch):
    return Scene(org, api, monkeypatch)


def test_no_field_reaches_a_role_the_api_refuses_it(scene):
    live = {}
    for message in scene.sent:
        live.setdefault(message.channel, []).append(json.loads(message.data))
    rows = list(OutboxEvent.objects.filter(organization=scene.org).order_by("id"))
    assert {row.event for row in rows} == set(declared_events())
    kinds_used = {(row.event, parse(row.channel).kind) for row in rows}
    for name, event in declared_events().items():
        assert {kind for e, kind in kinds_used if e == name} == set(event.channels), name
    checked = 0
    for role, user in scene.people.items():
        for channel in scene.channels:
            if authorize_channel(user, channel) is None:
                continue
            replayed = scene.api.as_user(user).get(
                "/api/realtime/events/", {"channel": channel, "after": 0}
            )
            assert replayed.status_code == 200
            delivered = {
                "live": live.get(channel, []),
                "replay": [e["data"] for e in replayed.json()["events"]],
            }
            on_channel = [row for row in rows if row.channel == channel]
            for how, payloads in delivered.items():
                assert [p["event_id"] for p in payloads] == [row.pk for row in on_channel]
                for row, payload in zip(on_channel, payloads, strict=True):
                    objects = scene.api_objects(user, row)
                    for field in set(payload) - META - {"event_id"}:
                        source = SOURCES[row.event][field]
                        assert shown(objects, source), (how, role, channel, row.event, field)
                        checked += 1
    assert checked > 100


def test_who_receives_what_in_the_scene(scene):
    """The probe's findings: notes and staff names reach managers and the holder only."""
    org = scene.org
    seen = {}
    for role, user in scene.people.items():
        for channel in scene.channels:
            if authorize_channel(user, channel) is None:
                continue
            body = scene.api.as_user(user).get(
                "/api/realtime/events/", {"channel": channel, "after": 0}
            )
            for event in body.json()["events"]:
                seen.setdefault(role, set()).update(event["data"])
    for role in ("owner", "operator", "staff (holder)"):
        assert {"notes", "assignee_name"} <= seen[role], role
    for role in ("staff (former holder)", "staff (other department)"):
        assert not {"notes", "assignee_name", "driver_name", "changed"} & seen[role], role
    assert not {"notes", "assignee_name", "driver_name", "changed"} & seen["customer (own booking)"]
    assert {"status", "starts_at"} <= seen["customer (own booking)"]
    assert "customer (another's booking)" not in seen
    customer = scene.people["customer (own booking)"]
    assert authorize_channel(customer, org_channel(org.slug)) is None
    assert authorize_channel(customer, presence_channel(org.slug)) is None
