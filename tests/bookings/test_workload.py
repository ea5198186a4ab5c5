"""Seed 000's five scenarios, each as a test, and the one-query Employees list.

In seed 000 a stored counter was recalculated by signals; here nothing is stored, so each
scenario only has to show that the derived workload reads right afterwards — whichever
path changed the rows.
"""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from switchboard.bookings import services
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import active_assignments, employees_with_workload
from tests.accounts.factories import UserFactory
from tests.bookings.factories import book, car_wash, car_wash_addon, parking, payloads, staff_with


def test_scenario_1_a_new_booking_counts_at_once(org, operator, workload, capture_events):
    washer = staff_with(org, "employee")
    events = capture_events()
    book(org, car_wash(org), operator, assignee=washer)
    assert workload(washer) == (1, "available")
    assert payloads(events, "workload-updated")[0]["current_assignments"] == 1


def test_scenario_2_a_completed_booking_stops_counting(org, operator, workload, capture_events):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer)
    for status in ("confirmed", "in_progress"):
        services.booking_transition(booking=booking, status=status, acting_user=operator)
    assert workload(washer) == (1, "available")
    events = capture_events()
    services.booking_transition(booking=booking, status="completed", acting_user=washer.user)
    assert workload(washer) == (0, "available")
    assert payloads(events, "workload-updated")[0]["current_assignments"] == 0
    # The modal lists active work only: the completed booking is not there.
    assert list(active_assignments(org, washer)) == []


def test_scenario_3_an_admin_delete_is_counted_and_announced(
    org, operator, workload, capture_events
):
    washer = staff_with(org, "employee", capacity=1)
    booking = book(org, car_wash(org), operator, assignee=washer)
    assert workload(washer) == (1, "busy")
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    events = capture_events()
    response = admin.post(
        reverse("admin:bookings_booking_delete", args=[booking.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Booking.objects.filter(pk=booking.pk).exists()
    assert workload(washer) == (0, "available")
    assert payloads(events, "workload-updated")[0]["availability_status"] == "available"


def test_scenario_3b_even_a_raw_delete_or_bulk_update_cannot_drift(org, operator, workload):
    washer = staff_with(org, "employee")
    service = car_wash(org)
    kept, gone = (
        book(org, service, operator, assignee=washer),
        book(org, service, operator, assignee=washer),
    )
    Booking.objects.filter(pk=gone.pk).delete()  # no service, no signal, no event
    assert workload(washer) == (1, "available")
    Booking.objects.filter(pk=kept.pk).update(status="completed")
    assert workload(washer) == (0, "available")


def test_scenario_4_reassignment_moves_the_count_from_one_to_the_other(org, operator, workload):
    a, b = staff_with(org, "employee"), staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=a)
    services.booking_assign(booking=booking, assignee=b, acting_user=operator)
    assert workload(a) == (0, "available")
    assert workload(b) == (1, "available")


def test_scenario_5_an_add_on_stops_counting_when_its_slot_expires(
    org, operator, workload, capture_events
):
    washer = staff_with(org, "employee")
    reservation = book(org, parking(org), operator)
    book(org, car_wash_addon(org), operator, parent=reservation, assignee=washer)
    services.booking_transition(booking=reservation, status="active", acting_user=operator)
    assert workload(washer) == (1, "available")
    events = capture_events()
    # What the expiry job will do: the reservation's slot runs out.
    services.booking_transition(booking=reservation, status="expired", acting_user=None)
    assert workload(washer) == (0, "available")
    [work] = payloads(events, "workload-updated")
    assert (work["staff_id"], work["addon_services"]) == (washer.pk, 0)


def test_workload_by_source_and_busy_at_capacity(org, operator):
    washer = staff_with(org, "employee", capacity=3)
    reservation = book(org, parking(org), operator)
    book(org, car_wash_addon(org), operator, parent=reservation, assignee=washer)
    book(org, car_wash(org), operator, assignee=washer)
    done = book(org, car_wash(org, name="Wash 2"), operator, assignee=washer)
    services.booking_transition(booking=done, status="cancelled", acting_user=operator)
    row = employees_with_workload(org).get(pk=washer.pk)
    assert (row.standalone_bookings, row.addon_services, row.driving) == (1, 1, 0)
    assert (row.current_assignments, row.availability_status) == (2, "available")
    book(org, car_wash(org, name="Wash 3"), operator, assignee=washer)
    assert employees_with_workload(org).get(pk=washer.pk).availability_status == "busy"
    assert [b.held_as for b in active_assignments(org, washer).order_by("pk")] == [
        "addon",
        "standalone",
        "standalone",
    ]


def test_capacity_zero_is_always_busy(org):
    nobody = staff_with(org, "employee", capacity=0)
    assert employees_with_workload(org).get(pk=nobody.pk).availability_status == "busy"


def _employees_queries(org, owner):
    client = Client()
    client.force_login(owner)
    url = reverse("employee-list", kwargs={"org_slug": org.slug})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_employees_list_costs_the_same_few_queries_however_many_rows(org, owner, operator):
    service = car_wash(org)
    staff_with(org, "employee")
    few, body = _employees_queries(org, owner)
    assert body["count"] == 1
    for _ in range(8):
        person = staff_with(org, "employee", capacity=5)
        for _ in range(3):
            book(org, service, operator, assignee=person)
    many, body = _employees_queries(org, owner)
    assert body["count"] == 9
    # Session, user, membership, the page's count and the page itself: no query per row.
    assert many == few <= 5
    assert sorted(r["current_assignments"] for r in body["results"]) == [0] + [3] * 8


def test_the_workload_selector_is_one_query(org, operator, django_assert_num_queries):
    service = car_wash(org)
    for _ in range(5):
        book(org, service, operator, assignee=staff_with(org, "employee"))
    with django_assert_num_queries(1):
        rows = list(employees_with_workload(org))
    assert [r.current_assignments for r in rows] == [1] * 5
    assert all(r.user.username and r.availability_status for r in rows)
