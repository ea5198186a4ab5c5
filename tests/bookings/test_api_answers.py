"""The answer to a write is the booking exactly as a read of it shows it afterwards.

A new booking is answered from the instance the service wrote, without reading it again;
these cases cover every related row the answer names, and times given in another zone."""

import pytest

from tests.bookings.factories import book, car_wash, car_wash_addon, massage, parking, staff_with
from tests.catalog.factories import ResourceFactory

BASE = "/api/orgs/acme/bookings/"


def read_back(client, answer) -> dict:
    response = client.get(f"{BASE}{answer['id']}/")
    assert response.status_code == 200
    return response.json()


def auto_assigned(org, operator, customer):
    staff_with(org, "employee")
    return {"service": car_wash(org).pk, "auto_assign": True, "customer_name": " Ravi "}


def by_hand_with_a_resource(org, operator, customer):
    washer = staff_with(org, "employee")
    washer.display_name = ""
    washer.save()
    bay = ResourceFactory(organization=org)
    return {
        "service": car_wash(org).pk,
        "assignee": washer.pk,
        "resource": bay.pk,
        "customer_name": "Bo",
    }


def for_a_member(org, operator, customer):
    customer.first_name, customer.last_name = "Ada", "Lovelace"
    customer.save()
    return {"service": car_wash(org).pk, "customer": customer.pk, "notes": "gate code 4"}


def with_a_driver(org, operator, customer):
    therapist = staff_with(org, "therapist")
    driver = staff_with(org, "driver")
    return {
        "service": massage(org).pk,
        "assignee": therapist.pk,
        "driver": driver.pk,
        "customer_name": "Grace",
        "customer_phone": "+44 20 7946 0000",
    }


def an_add_on(org, operator, customer):
    washer = staff_with(org, "employee")
    reservation = book(org, parking(org), operator, customer=customer)
    return {"service": car_wash_addon(org).pk, "parent": reservation.pk, "assignee": washer.pk}


def nobody_free(org, operator, customer):
    return {"service": car_wash(org).pk, "auto_assign": True, "customer_name": "Walk-in"}


CASES = [auto_assigned, by_hand_with_a_resource, for_a_member, with_a_driver, an_add_on]


@pytest.mark.parametrize("case", [*CASES, nobody_free], ids=lambda case: case.__name__)
def test_a_new_booking_is_answered_as_it_reads(api, org, operator, customer, case):
    client = api.as_user(operator)
    body = case(org, operator, customer)
    # A start in India's zone: the answer, like a read, gives it in the organisation's.
    body = {**body, "starts_at": "2026-03-02T10:00:00+05:30", "allow_past": True}
    created = client.post(BASE, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() == read_back(client, created.json())


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_a_changed_booking_is_answered_as_it_reads(api, org, operator, customer, case):
    client = api.as_user(operator)
    body = {**case(org, operator, customer), "starts_at": "2026-03-02T10:00:00Z"}
    created = client.post(BASE, {**body, "allow_past": True}, format="json").json()
    url = f"{BASE}{created['id']}/"
    for change in ({"notes": "moved"}, {"status": created["next_statuses"][0]}):
        changed = client.patch(url, change, format="json")
        assert changed.status_code == 200, changed.json()
        assert changed.json() == read_back(client, changed.json())
    moved = client.post(f"{url}transitions/", {"status": "cancelled"}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json() == read_back(client, moved.json())
