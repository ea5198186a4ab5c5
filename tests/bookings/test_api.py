"""The bookings API under /api/orgs/{slug}/: what each role may do, and the error shapes."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.realtime.models import OutboxEvent
from tests.bookings.factories import (
    START,
    book,
    car_wash,
    car_wash_addon,
    massage,
    parking,
    staff_with,
)
from tests.catalog.factories import ResourceFactory

BASE = "/api/orgs/acme"


def state():
    return (
        [model_to_dict(b) for b in Booking.objects.order_by("pk")],
        BookingTransition.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_operator_creates_with_auto_assignment(api, org, operator):
    service = car_wash(org)
    washer = staff_with(org, "employee")
    response = api.as_user(operator).post(
        f"{BASE}/bookings/",
        {
            "service": service.pk,
            "starts_at": "2026-03-02T10:00:00+05:30",
            "customer_name": "Ravi",
            "customer_phone": "+91 98450 00000",
            "auto_assign": True,
            "allow_past": True,  # START is a fixed date, whatever today is
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assignee"] == {"id": washer.pk, "full_name": washer.full_name}
    assert (body["status"], body["workflow"], body["is_active"]) == ("pending", "standard", True)
    assert body["next_statuses"] == ["confirmed", "cancelled"]
    assert body["starts_at"] == "2026-03-02T04:30:00Z"
    assert body["ends_at"] == "2026-03-02T05:30:00Z"
    assert body["customer"] == {"id": None, "name": "Ravi", "phone": "+91 98450 00000"}


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T09:00:00Z"}, 400, "ends_at"),
        ({"starts_at": "not a time"}, 400, "starts_at"),
        ({"assignee": "unskilled"}, 400, "assignee"),
        ({"assignee": "foreign"}, 404, "detail"),
        ({"resource": "foreign"}, 404, "detail"),
        ({"service": "foreign"}, 404, "detail"),
        ({"assignee": "full"}, 409, "capacity"),
    ],
    ids=[
        "end-before-start",
        "bad-time",
        "no-skill",
        "foreign-staff",
        "foreign-resource",
        "foreign-service",
        "full",
    ],
)
def test_bad_input_is_answered_and_changes_nothing(
    api, org, other_org, operator, payload, code, field
):
    service = car_wash(org)
    full = staff_with(org, "employee", capacity=1)
    book(org, service, operator, assignee=full)
    stand_ins = {
        "unskilled": staff_with(org, "cook").pk,
        "foreign": staff_with(other_org, "employee").pk,
        "full": full.pk,
    }
    foreign = {
        "resource": ResourceFactory(organization=other_org).pk,
        "service": car_wash(other_org).pk,
    }
    body = {
        "service": service.pk,
        "starts_at": "2026-03-02T10:00:00Z",
        "customer_name": "x",
        "allow_past": True,
    }
    for key, value in payload.items():
        body[key] = (
            foreign[key] if value == "foreign" and key in foreign else stand_ins.get(value, value)
        )
    before = state()
    response = api.as_user(operator).post(f"{BASE}/bookings/", body)
    assert response.status_code == code, response.json()
    assert field in response.json()
    assert state() == before


def test_a_negative_duration_on_a_service_is_400(api, org, owner):
    client = api.as_user(owner)
    response = client.post(f"{BASE}/services/", {"name": "Wash", "duration_minutes": -30})
    assert response.status_code == 400 and "duration_minutes" in response.json()
    assert client.get(f"{BASE}/services/").json()["count"] == 0


def test_patch_with_seed_002s_fields(api, org, operator):
    therapist, driver = staff_with(org, "therapist"), staff_with(org, "driver")
    booking = book(org, massage(org), operator, assignee=therapist)
    client = api.as_user(operator)
    url = f"{BASE}/bookings/{booking.pk}/"
    for status in ("confirmed", "pickup_requested"):
        assert client.patch(url, {"status": status}).status_code == 200
    response = client.patch(
        url,
        {
            "status": "driver_assigned_pickup",
            "driver": driver.pk,
            "notes": "Driver assigned for pickup - ETA: 12 min",
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["driver"]["id"], body["notes"]) == (
        "driver_assigned_pickup",
        driver.pk,
        "Driver assigned for pickup - ETA: 12 min",
    )
    driver_client = api.as_user(driver.user)
    response = driver_client.patch(
        url, {"driver_accepted": True, "status": "driver_en_route_pickup"}
    )
    assert response.status_code == 200
    assert response.json()["driver_accepted"] is True and response.json()["driver_accepted_at"]


def test_an_illegal_status_is_409_with_status_and_allowed(api, org, operator):
    booking = book(org, car_wash(org), operator)
    before = state()
    response = api.as_user(operator).patch(
        f"{BASE}/bookings/{booking.pk}/", {"status": "completed"}
    )
    assert response.status_code == 409
    assert response.json() | {"detail": ""} == {
        "detail": "",
        "status": "pending",
        "allowed": ["confirmed", "cancelled"],
    }
    response = api.as_user(operator).patch(f"{BASE}/bookings/{booking.pk}/", {"status": "flying"})
    assert response.status_code == 400 and "status" in response.json()
    response = api.as_user(operator).patch(f"{BASE}/bookings/{booking.pk}/", {"status": "booked"})
    assert response.status_code == 400 and "status" in response.json()
    assert state() == before


def test_manual_assignment_to_a_full_person_needs_override(api, org, operator):
    service = car_wash(org)
    washer = staff_with(org, "employee", capacity=1)
    book(org, service, operator, assignee=washer)
    booking = book(org, service, operator)
    url = f"{BASE}/bookings/{booking.pk}/"
    client = api.as_user(operator)
    before = state()
    refused = client.patch(url, {"assignee": washer.pk})
    assert refused.status_code == 409
    assert refused.json()["current_assignments"] == 1 and refused.json()["capacity"] == 1
    assert state() == before
    allowed = client.patch(url, {"assignee": washer.pk, "override_capacity": True})
    assert allowed.status_code == 200 and allowed.json()["assignee"]["id"] == washer.pk
    trail = client.get(f"{url}transitions/").json()
    assert trail[-1]["action"] == "assigned" and trail[-1]["data"]["override_capacity"] is True


def test_transitions_list_and_post(api, org, operator):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer)
    url = f"{BASE}/bookings/{booking.pk}/transitions/"
    client = api.as_user(operator)
    response = client.post(url, {"status": "confirmed", "note": "on the phone"})
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    refused = client.post(url, {"status": "confirmed"})
    assert refused.status_code == 409 and refused.json()["allowed"] == ["in_progress", "cancelled"]
    trail = client.get(url).json()
    assert [(t["action"], t["from_status"], t["to_status"]) for t in trail] == [
        ("created", "", "pending"),
        ("transition", "pending", "confirmed"),
    ]
    assert trail[1]["by"] == operator.username and trail[1]["note"] == "on the phone"


def test_auto_assign_and_the_unassigned_list(api, org, operator):
    service = car_wash(org)
    booking = book(org, service, operator)
    client = api.as_user(operator)
    assert [b["id"] for b in client.get(f"{BASE}/bookings/unassigned/").json()["results"]] == [
        booking.pk
    ]
    nobody = client.post(f"{BASE}/bookings/{booking.pk}/auto-assign/")
    assert nobody.status_code == 200 and nobody.json()["assignee"] is None
    washer = staff_with(org, "employee")
    assigned = client.post(f"{BASE}/bookings/{booking.pk}/auto-assign/")
    assert assigned.json()["assignee"]["id"] == washer.pk
    assert client.get(f"{BASE}/bookings/unassigned/").json()["count"] == 0


def test_list_filters(api, org, operator):
    washer = staff_with(org, "employee")
    service = car_wash(org)
    mine = book(org, service, operator, assignee=washer)
    loose = book(org, service, operator, at=START + timedelta(days=2))
    done = book(org, service, operator, assignee=washer, at=START + timedelta(days=3))
    services.booking_transition(booking=done, status="cancelled", acting_user=operator)
    client = api.as_user(operator)

    def ids(**params):
        response = client.get(f"{BASE}/bookings/", params)
        assert response.status_code == 200, response.json()
        return sorted(b["id"] for b in response.json()["results"])

    assert ids() == sorted([mine.pk, loose.pk, done.pk])
    assert ids(status="cancelled") == [done.pk]
    assert ids(assignee=washer.pk) == sorted([mine.pk, done.pk])
    assert ids(assignee="none") == [loose.pk]
    assert ids(date_from="2026-03-04") == sorted([loose.pk, done.pk])
    assert ids(date_to="2026-03-02") == [mine.pk]
    assert ids(active="true") == sorted([mine.pk, loose.pk])
    for bad in ({"status": "nope"}, {"assignee": "x"}, {"date_from": "tomorrow"}):
        assert client.get(f"{BASE}/bookings/", bad).status_code == 400


def test_delete_is_204_and_for_managers_only(api, org, operator, staff_user):
    booking = book(org, car_wash(org), operator)
    assert api.as_user(staff_user).delete(f"{BASE}/bookings/{booking.pk}/").status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()
    assert api.as_user(operator).delete(f"{BASE}/bookings/{booking.pk}/").status_code == 204
    assert not Booking.objects.filter(pk=booking.pk).exists()


def test_customers_see_and_cancel_only_their_own_bookings(api, org, operator, customer):
    service = car_wash(org)
    mine = book(org, service, operator, customer=customer, notes="gate code 1234")
    theirs = book(org, service, operator)
    client = api.as_user(customer)
    listed = client.get(f"{BASE}/bookings/").json()
    assert [b["id"] for b in listed["results"]] == [mine.pk]
    assert "notes" not in listed["results"][0] and "assignee" not in listed["results"][0]
    assert client.get(f"{BASE}/bookings/{theirs.pk}/").status_code == 404
    assert client.patch(f"{BASE}/bookings/{theirs.pk}/", {"status": "cancelled"}).status_code == 404
    assert client.patch(f"{BASE}/bookings/{mine.pk}/", {"notes": "x"}).status_code == 403
    assert client.get(f"{BASE}/bookings/{mine.pk}/transitions/").status_code == 403
    assert client.post(f"{BASE}/bookings/", {"service": service.pk}).status_code == 403
    response = client.patch(f"{BASE}/bookings/{mine.pk}/", {"status": "cancelled"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_staff_see_and_move_only_their_own_assignments(api, org, operator):
    washer, other = staff_with(org, "employee"), staff_with(org, "employee")
    mine = book(org, car_wash(org), operator, assignee=washer)
    theirs = book(org, car_wash(org, name="Wash 2"), operator, assignee=other)
    services.booking_transition(booking=mine, status="confirmed", acting_user=operator)
    client = api.as_user(washer.user)
    assert [b["id"] for b in client.get(f"{BASE}/bookings/").json()["results"]] == [mine.pk]
    assert client.get(f"{BASE}/bookings/{theirs.pk}/").status_code == 404
    url = f"{BASE}/bookings/{mine.pk}/transitions/"
    assert client.post(url, {"status": "in_progress"}).status_code == 200
    reassign = client.patch(f"{BASE}/bookings/{mine.pk}/", {"assignee": other.pk})
    assert reassign.status_code == 403


def test_an_add_on_through_the_api(api, org, operator):
    washer = staff_with(org, "employee")
    reservation = book(org, parking(org), operator)
    response = api.as_user(operator).post(
        f"{BASE}/bookings/",
        {
            "service": car_wash_addon(org).pk,
            "parent": reservation.pk,
            "starts_at": "2026-03-02T10:00:00Z",
            "assignee": washer.pk,
            "allow_past": True,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == reservation.pk
    assert response.json()["customer"]["name"] == "Walk-in"


def test_employees_list_with_workload_and_filters(api, org, owner, operator):
    washer = staff_with(org, "employee", capacity=1)
    idle = staff_with(org, "employee", capacity=2)
    book(org, car_wash(org), operator, assignee=washer)
    client = api.as_user(owner)
    rows = {r["id"]: r for r in client.get(f"{BASE}/employees/").json()["results"]}
    assert rows[washer.pk] | {"full_name": "", "username": "", "user_id": 0} == {
        "id": washer.pk,
        "user_id": 0,
        "username": "",
        "full_name": "",
        "department": None,
        "capacity": 1,
        "standalone_bookings": 1,
        "addon_services": 0,
        "driving": 0,
        "current_assignments": 1,
        "availability_status": "busy",
        "is_active": True,
    }
    assert rows[idle.pk]["availability_status"] == "available"
    busy = client.get(f"{BASE}/employees/", {"availability_status": "busy"}).json()
    assert [r["id"] for r in busy["results"]] == [washer.pk]
    assert client.get(f"{BASE}/employees/", {"availability_status": "asleep"}).status_code == 400
    assert client.get(f"{BASE}/employees/{washer.pk}/").json()["current_assignments"] == 1


def test_staff_assignments_lists_only_active_work(api, org, owner, operator):
    washer = staff_with(org, "employee")
    service = car_wash(org)
    active = book(org, service, operator, assignee=washer)
    done = book(org, service, operator, assignee=washer)
    services.booking_transition(booking=done, status="cancelled", acting_user=operator)
    response = api.as_user(owner).get(f"{BASE}/staff/{washer.pk}/assignments/")
    assert response.status_code == 200
    assert [(b["id"], b["held_as"]) for b in response.json()["results"]] == [
        (active.pk, "standalone")
    ]
    assert api.as_user(washer.user).get(f"{BASE}/staff/{washer.pk}/assignments/").status_code == 200
    other = staff_with(org, "employee")
    assert api.as_user(other.user).get(f"{BASE}/staff/{washer.pk}/assignments/").status_code == 403
    assert api.as_user(owner).get(f"{BASE}/staff/999999/assignments/").status_code == 404


def test_the_schema_documents_the_new_endpoints(api, org, owner):
    paths = api.as_user(owner).get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in [
        "/api/orgs/{org_slug}/bookings/",
        "/api/orgs/{org_slug}/bookings/{id}/",
        "/api/orgs/{org_slug}/bookings/{id}/transitions/",
        "/api/orgs/{org_slug}/bookings/{id}/auto-assign/",
        "/api/orgs/{org_slug}/employees/",
        "/api/orgs/{org_slug}/staff/{id}/assignments/",
        "/api/orgs/{org_slug}/services/",
        "/api/orgs/{org_slug}/resources/",
    ]:
        assert path in paths, path
