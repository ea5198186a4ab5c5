"""Request bodies are bounded: size, JSON nesting, integer ranges, reachable times."""

import pytest

from switchboard.bookings.models import Booking
from switchboard.catalog.models import Service
from tests.bookings.factories import car_wash, session_service
from tests.catalog.factories import ResourceFactory

BASE = "/api/orgs/acme"
TOO_BIG = 2**63
DEEP = "[" * 50_000


def post_raw(client, url, body: str):
    return client.post(url, body, content_type="application/json")


def test_deeply_nested_json_to_the_token_endpoint_is_a_400(client, db):
    response = post_raw(client, "/api/auth/token/", DEEP)
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_deeply_nested_json_to_an_org_endpoint_is_a_400_and_creates_nothing(api, org, owner):
    response = post_raw(api.as_user(owner), f"{BASE}/services/", '{"name": ' + DEEP)
    assert response.status_code == 400
    assert not Service.objects.exists()


def test_nesting_inside_a_string_does_not_count(api, org, owner):
    body = '{"name": "' + "[" * 200 + '", "workflow": "standard"}'
    response = post_raw(api.as_user(owner), f"{BASE}/services/", body)
    assert response.status_code == 400  # the name is too long, not too deep
    assert list(response.json()) == ["name"]


def test_a_body_over_the_size_limit_is_a_413(api, org, owner, settings):
    settings.API_MAX_BODY_BYTES = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    response = post_raw(api.as_user(owner), f"{BASE}/services/", body)
    assert response.status_code == 413
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Wash", "providers": [TOO_BIG]}, "providers"),
        ({"name": "Wash", "buffer_after_minutes": TOO_BIG}, "buffer_after_minutes"),
        ({"name": "Wash", "duration_minutes": -TOO_BIG}, "duration_minutes"),
    ],
)
def test_integers_past_their_range_are_a_400_for_services(api, org, owner, payload, field):
    response = api.as_user(owner).post(f"{BASE}/services/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Service.objects.exists()


@pytest.mark.parametrize("field", ["customer", "resource", "assignee", "driver", "parent"])
def test_ids_past_64_bits_are_a_400_for_bookings(api, org, owner, field):
    payload = {"service": car_wash(org).pk, "starts_at": "2026-03-02T10:00:00Z", field: TOO_BIG}
    response = api.as_user(owner).post(f"{BASE}/bookings/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Booking.objects.exists()


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:00:00Z", "9999-12-31T23:59:59-12:00"])
def test_a_start_out_of_reach_is_a_400_for_bookings(api, org, owner, starts_at):
    payload = {"service": car_wash(org).pk, "starts_at": starts_at}
    response = api.as_user(owner).post(f"{BASE}/bookings/", payload, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"starts_at": "9999-12-31T23:00:00Z"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00Z"}, "starts_at"),
        ({"minutes": TOO_BIG}, "minutes"),
        ({"service": TOO_BIG}, "service"),
    ],
)
def test_sessions_refuse_times_and_numbers_out_of_range(api, org, owner, extra, field):
    session_service(org)
    pc = ResourceFactory(organization=org, name="PC01", kind="pc")
    payload = {"resource": pc.pk, "minutes": 30, **extra}
    response = api.as_user(owner).post(f"{BASE}/sessions/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Booking.objects.exists()


def test_extending_by_a_huge_number_of_minutes_is_a_400(api, org, owner):
    session_service(org)
    pc = ResourceFactory(organization=org, name="PC01", kind="pc")
    client = api.as_user(owner)
    started = client.post(f"{BASE}/sessions/", {"resource": pc.pk, "minutes": 30}, format="json")
    assert started.status_code == 201, started.json()
    url = f"{BASE}/sessions/{started.json()['id']}/extend/"
    response = client.post(url, {"minutes": TOO_BIG}, format="json")
    assert response.status_code == 400 and "minutes" in response.json()


def test_an_unknown_api_path_is_a_json_404(client, db):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/").status_code == 404
