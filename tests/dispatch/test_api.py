"""The dispatch API: a pickup run end to end by HTTP, what each role sees, clear refusals."""

from switchboard.bookings.models import Booking
from switchboard.dispatch.models import PickupOffer
from tests.bookings.factories import staff_with
from tests.dispatch.factories import driver_at, pickup_at, place

BASE = "/api/orgs/acme/dispatch"


def test_a_pickup_from_request_to_accepted_offer(org, operator, api, frozen):
    near, far = driver_at(org, 1), driver_at(org, 3)
    booking = pickup_at(org, operator, urgency="urgent")
    board = api.as_user(operator)
    pickups = board.get(f"{BASE}/pickups/").json()["results"]
    assert [(p["booking_id"], p["urgency"]) for p in pickups] == [(booking.pk, "urgent")]
    assert [c["staff_id"] for c in pickups[0]["candidates"]] == [near.pk, far.pk]
    rows = board.get(f"{BASE}/drivers/", {"pickup": booking.pk}).json()["results"]
    assert [(r["staff_id"], r["status"]) for r in rows] == [
        (near.pk, "available"),
        (far.pk, "available"),
    ]
    assert rows[0]["eta"]["minutes"] == 3 and rows[0]["position_fresh"]
    answer = board.post(f"{BASE}/pickups/{booking.pk}/auto-assign/", {}, format="json")
    assert answer.status_code == 200, answer.data
    offer = answer.json()["offer"]
    assert (offer["driver_id"], offer["answer"], offer["eta_minutes"]) == (near.pk, "pending", 3)
    again = board.post(f"{BASE}/pickups/{booking.pk}/auto-assign/", {}, format="json")
    assert again.status_code == 409
    mine = api.as_user(near.user).get(f"{BASE}/drivers/").json()["results"]
    assert [(r["staff_id"], r["status"], r["offer"]["offer_id"]) for r in mine] == [
        (near.pk, "offered", offer["offer_id"])
    ]
    taken = api.as_user(near.user).post(f"{BASE}/offers/{offer['offer_id']}/accept/")
    assert taken.status_code == 200 and taken.json()["answer"] == "accepted"
    seen = api.as_user(booking.assignee.user).get(f"{BASE}/pickups/{booking.pk}/").json()
    assert (seen["status"], seen["driver"]["staff_id"], seen["driver"]["eta"]["minutes"]) == (
        "driver_assigned_pickup",
        near.pk,
        3,
    )
    twice = api.as_user(near.user).post(f"{BASE}/offers/{offer['offer_id']}/decline/")
    assert twice.status_code == 409


def test_manual_assign_answers_the_eta_and_a_busy_driver_is_a_409(org, operator, api, frozen):
    driver = driver_at(org, 2)
    first, second = pickup_at(org, operator), pickup_at(org, operator)
    board = api.as_user(operator)
    answer = board.post(f"{BASE}/pickups/{first.pk}/assign/", {"driver": driver.pk}, format="json")
    assert answer.status_code == 200, answer.data
    assert answer.json()["notes"] == "Driver assigned for pickup - ETA: 6 min"
    refused = board.post(
        f"{BASE}/pickups/{second.pk}/assign/", {"driver": driver.pk}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["driver_status"] == "busy"
    second.refresh_from_db()
    assert (second.status, second.driver_id) == ("pickup_requested", None)


def test_bad_input_is_a_clear_answer_that_changes_nothing(org, operator, api, frozen):
    driver = driver_at(org, 2)
    booking = pickup_at(org, operator)
    board = api.as_user(operator)
    cases = [
        (f"{BASE}/locations/", {"lat": 91, "lng": 0}, 400),
        (f"{BASE}/pickups/{booking.pk}/assign/", {"driver": "x"}, 400),
        (f"{BASE}/pickups/{booking.pk}/assign/", {"driver": 999999}, 404),
        (f"{BASE}/pickups/999999/assign/", {"driver": driver.pk}, 404),
        (f"{BASE}/offers/999999/accept/", {}, 404),
        (f"{BASE}/batch-assign/", {"dry_run": "maybe"}, 400),
    ]
    for url, body, code in cases:
        assert board.post(url, body, format="json").status_code == code, url
    assert board.get(f"{BASE}/drivers/", {"pickup": "x"}).status_code == 400
    assert board.get(f"{BASE}/drivers/", {"pickup": 999999}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == "pickup_requested" and not PickupOffer.objects.exists()


def test_staff_see_their_own_row_and_pickups_only(org, operator, api, frozen):
    driver, other = driver_at(org, 1), driver_at(org, 2)
    mine, theirs = pickup_at(org, operator), pickup_at(org, operator)
    client = api.as_user(mine.assignee.user)
    assert [p["booking_id"] for p in client.get(f"{BASE}/pickups/").json()["results"]] == [mine.pk]
    assert client.get(f"{BASE}/pickups/{theirs.pk}/").status_code == 404
    assert client.get(f"{BASE}/drivers/").json()["results"] == []  # nobody drives them yet
    as_driver = api.as_user(driver.user)
    assert [r["staff_id"] for r in as_driver.get(f"{BASE}/drivers/").json()["results"]] == [
        driver.pk
    ]
    for url in (f"{BASE}/pickups/{mine.pk}/assign/", f"{BASE}/batch-assign/"):
        assert as_driver.post(url, {"driver": other.pk}, format="json").status_code == 403
    lat, lng = place(0.5)
    shared = as_driver.post(f"{BASE}/locations/", {"lat": lat, "lng": lng}, format="json")
    assert shared.status_code == 201 and shared.json()["staff_id"] == driver.pk


def test_a_customer_and_an_outsider_are_refused(org, operator, customer, outsider, api, frozen):
    booking = pickup_at(org, operator)
    assert api.as_user(customer).get(f"{BASE}/pickups/").status_code == 403
    assert api.as_user(outsider).get(f"{BASE}/pickups/").status_code == 404
    refused = api.as_user(outsider).post(f"{BASE}/pickups/{booking.pk}/auto-assign/")
    assert refused.status_code == 404


def test_batch_assign_dry_run_then_apply(org, operator, api, frozen):
    drivers = [driver_at(org, km) for km in (1, 4)]
    urgent = pickup_at(org, operator, 4, urgency="urgent")
    normal = pickup_at(org, operator, 0.5)
    board = api.as_user(operator)
    plan = board.post(f"{BASE}/batch-assign/", {}, format="json").json()
    assert plan["dry_run"] and plan["applied"] == []
    assert {(p["booking_id"], p["driver_id"]) for p in plan["plan"]} == {
        (urgent.pk, drivers[1].pk),
        (normal.pk, drivers[0].pk),
    }
    assert plan["total_eta_seconds"] <= plan["greedy_total_eta_seconds"]
    assert not Booking.objects.filter(status="driver_assigned_pickup").exists()
    done = board.post(f"{BASE}/batch-assign/", {"dry_run": False}, format="json").json()
    assert len(done["applied"]) == 2 and done["changed"] == []
    assert Booking.objects.filter(status="driver_assigned_pickup").count() == 2


def test_a_staff_member_without_a_profile_cannot_share_a_position(org, staff_user, api):
    staff_with(org, "driver")
    answer = api.as_user(staff_user).post(f"{BASE}/locations/", {"lat": 1, "lng": 1})
    assert answer.status_code == 404
