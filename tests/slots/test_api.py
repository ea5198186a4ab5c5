"""The slots API: availability and exceptions, the slot list, health, booking a slot."""

from datetime import UTC, datetime

from switchboard.bookings.models import Booking
from switchboard.common.clock import frozen_at
from switchboard.slots.models import BookingSlot, ProviderAvailability
from tests.bookings.factories import staff_with
from tests.slots.support import every_day, maintain, offering, set_zone, weekly

BASE = "/api/orgs/acme"
MONDAY = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def test_saving_availability_regenerates_and_says_what_changed(api, org, owner):
    provider, _service = offering(org)
    client = api.as_user(owner)
    with frozen_at(MONDAY):
        made = client.post(
            f"{BASE}/availability/",
            {"staff": provider.pk, "weekday": 0, "start_time": "09:00", "end_time": "12:00"},
            format="json",
        )
        assert made.status_code == 201, made.json()
        body = made.json()
        assert (body["start_time"], body["overnight"]) == ("09:00:00", False)
        assert body["regenerated"]["created"] == 3 * 5  # five Mondays in the 30-day window
        changed = client.patch(
            f"{BASE}/availability/{body['id']}/", {"end_time": "10:00"}, format="json"
        )
        assert changed.json()["regenerated"]["removed"] == 2 * 5
        gone = client.delete(f"{BASE}/availability/{body['id']}/")
        assert gone.status_code == 200 and gone.json()["regenerated"]["removed"] == 5
        holiday = client.post(
            f"{BASE}/availability/exceptions/", {"date": "2026-06-08"}, format="json"
        )
        assert holiday.status_code == 201 and holiday.json()["staff"] is None
        listed = client.get(f"{BASE}/availability/exceptions/", {"date_from": "2026-06-01"})
        assert listed.json()["count"] == 1
    assert not BookingSlot.objects.exists()


def test_staff_edit_their_own_availability_only(api, org):
    me = staff_with(org, "employee")
    colleague = staff_with(org, "employee")
    client = api.as_user(me.user)
    window = {"weekday": 1, "start_time": "18:00", "end_time": "02:00"}
    mine = client.post(f"{BASE}/availability/", {"staff": me.pk, **window}, format="json")
    assert mine.status_code == 201 and mine.json()["overnight"] is True
    theirs = client.post(f"{BASE}/availability/", {"staff": colleague.pk, **window}, format="json")
    assert theirs.status_code == 403
    holiday = client.post(f"{BASE}/availability/exceptions/", {"date": "2026-06-08"}, format="json")
    assert holiday.status_code == 403
    assert ProviderAvailability.objects.count() == 1


def test_bad_availability_is_a_400_and_changes_nothing(api, org, owner):
    provider, _ = offering(org)
    client = api.as_user(owner)
    for body in (
        {"staff": provider.pk, "weekday": 7, "start_time": "09:00", "end_time": "10:00"},
        {"staff": provider.pk, "weekday": 1, "start_time": "9 o'clock", "end_time": "10:00"},
        {"staff": 999999, "weekday": 1, "start_time": "09:00", "end_time": "10:00"},
    ):
        assert client.post(f"{BASE}/availability/", body, format="json").status_code == 400
    other_hours = {"date": "2026-06-08", "is_off": False}
    refused = client.post(f"{BASE}/availability/exceptions/", other_hours, format="json")
    assert refused.status_code == 400 and "start_time" in refused.json()
    assert not ProviderAvailability.objects.exists()


def test_slot_list_in_the_organisations_offset_and_booking_one(api, org, owner, customer):
    set_zone(org, "Asia/Kolkata")
    provider, service = offering(org)
    weekly(org, provider, 0, "09:00", "11:00")
    with frozen_at(datetime(2026, 6, 1, 0, 0, tzinfo=UTC)):  # 05:30 in Kolkata
        maintain(org, days_ahead=1)
        client = api.as_user(customer)
        query = {"service": service.pk, "date_from": "2026-06-01", "available": "true"}
        slots = client.get(f"{BASE}/slots/", query).json()
        assert [s["starts_at"] for s in slots] == [
            "2026-06-01T09:00:00+05:30",
            "2026-06-01T10:00:00+05:30",
        ]
        first = slots[0]
        assert (first["capacity"], first["booked"], first["available"]) == (1, 0, True)
        made = client.post(f"{BASE}/bookings/", {"slot": first["id"]}, format="json")
        assert made.status_code == 201, made.json()
        assert made.json()["slot"] == first["id"]
        full = api.as_user(owner).post(
            f"{BASE}/bookings/", {"slot": first["id"], "customer_name": "Late"}, format="json"
        )
        assert full.status_code == 409 and full.json()["booked"] == 1
        left = client.get(f"{BASE}/slots/", query).json()
        assert [s["id"] for s in left] == [slots[1]["id"]]
    assert Booking.objects.count() == 1


def test_slot_list_refuses_bad_ranges_and_foreign_ids(api, org, other_org, owner):
    _, foreign = offering(other_org)
    client = api.as_user(owner)
    too_long = {"date_from": "2026-06-01", "date_to": "2026-09-01"}
    assert client.get(f"{BASE}/slots/", too_long).status_code == 400
    backwards = {"date_from": "2026-06-02", "date_to": "2026-06-01"}
    assert client.get(f"{BASE}/slots/", backwards).status_code == 400
    assert client.get(f"{BASE}/slots/", {"available": "maybe"}).status_code == 400
    assert client.get(f"{BASE}/slots/", {"service": foreign.pk}).status_code == 404
    assert client.post(f"{BASE}/bookings/", {"slot": 999999}, format="json").status_code == 404


def test_health_figures_and_settings(api, org, owner, operator):
    provider, _service = offering(org)
    offering(org, name="Never offered")
    every_day(org, provider, "09:00", "11:00")
    with frozen_at(MONDAY):
        maintain(org)
        slot = BookingSlot.objects.order_by("starts_at").first()
        api.as_user(owner).post(
            f"{BASE}/bookings/", {"slot": slot.pk, "customer_name": "A"}, format="json"
        )
        health = api.as_user(operator).get(f"{BASE}/slots/health/").json()
    assert health["service_coverage"] == 0.5
    assert (health["services_active"], health["services_covered"]) == (2, 1)
    assert health["slot_density"] == 2.0 and health["slots_total"] == 60
    assert health["booking_rate"] == round(1 / 60, 4)
    assert health["per_day"][0] == {"date": "2026-06-01", "free": 1, "booked": 1}
    assert health["last_run"]["created"] == 60 and health["next_run"].startswith("2026-06-02T01:00")
    denied = api.as_user(operator).patch(f"{BASE}/slots/settings/", {"public_booking": True})
    assert denied.status_code == 403
    switched = api.as_user(owner).patch(
        f"{BASE}/slots/settings/", {"public_booking": True, "days_ahead": 14}, format="json"
    )
    assert switched.json()["effective"]["public_booking"] is True
    assert switched.json()["effective"]["days_ahead"] == 14
