"""The Employees page: workload per person, and a modal of active assignments only."""

from django.test import Client
from django.urls import reverse

from switchboard.bookings import services
from tests.bookings.factories import book, car_wash, staff_with


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_workload_capacity_and_status(org, owner, operator):
    busy = staff_with(org, "employee", capacity=1)
    idle = staff_with(org, "employee", capacity=3)
    book(org, car_wash(org), operator, assignee=busy)
    page = logged_in(owner).get(reverse("org-employees", kwargs={"org_slug": org.slug}))
    assert page.status_code == 200
    html = page.content.decode()
    assert busy.full_name in html and idle.full_name in html
    assert "1 / 1" in html and "0 / 3" in html
    assert 'class="badge busy"' in html and 'class="badge available"' in html


def test_owner_and_operator_homes_link_to_it(org, owner, operator):
    for user in (owner, operator):
        home = logged_in(user).get(reverse("org-home", kwargs={"org_slug": org.slug}))
        assert reverse("org-employees", kwargs={"org_slug": org.slug}) in home.content.decode()


def test_the_modal_lists_only_active_assignments(org, owner, operator):
    washer = staff_with(org, "employee")
    service = car_wash(org)
    active = book(org, service, operator, assignee=washer, customer_name="Still waiting")
    done = book(org, service, operator, assignee=washer, customer_name="Already gone")
    services.booking_transition(booking=done, status="cancelled", acting_user=operator)
    url = reverse("org-employee-assignments", kwargs={"org_slug": org.slug})
    html = logged_in(owner).get(url, {"staff": washer.pk}).content.decode()
    assert f'data-booking-id="{active.pk}"' in html and "Still waiting" in html
    assert f'data-booking-id="{done.pk}"' not in html and "Already gone" not in html
    assert 'data-testid="move-confirmed"' in html and 'data-testid="move-cancelled"' in html


def test_a_move_from_the_modal_updates_and_asks_the_table_to_reload(org, owner, operator):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer)
    url = reverse("org-assignment-move", kwargs={"org_slug": org.slug})
    client = logged_in(owner)
    response = client.post(url, {"staff": washer.pk, "booking": booking.pk, "status": "cancelled"})
    assert response.status_code == 200 and response["HX-Trigger"] == "workload-changed"
    assert 'data-testid="no-assignments"' in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_a_refused_move_is_shown_in_the_modal_and_changes_nothing(org, owner, operator):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), operator, assignee=washer)
    url = reverse("org-assignment-move", kwargs={"org_slug": org.slug})
    response = logged_in(owner).post(
        url, {"staff": washer.pk, "booking": booking.pk, "status": "completed"}
    )
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "does not allow" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "pending"


def test_unknown_ids_are_404_and_the_page_is_for_managers(
    org, owner, staff_user, other_org, operator
):
    foreign = staff_with(other_org, "employee")
    client = logged_in(owner)
    url = reverse("org-employee-assignments", kwargs={"org_slug": org.slug})
    assert client.get(url, {"staff": foreign.pk}).status_code == 404
    assert client.get(url, {"staff": "x"}).status_code == 404
    foreign_booking = book(other_org, car_wash(other_org), None)
    move = reverse("org-assignment-move", kwargs={"org_slug": org.slug})
    response = client.post(
        move, {"staff": foreign.pk, "booking": foreign_booking.pk, "status": "cancelled"}
    )
    assert response.status_code == 404
    foreign_booking.refresh_from_db()
    assert foreign_booking.status == "pending"
    page = reverse("org-employees", kwargs={"org_slug": org.slug})
    assert logged_in(staff_user).get(page).status_code == 403
    assert client.get(move).status_code == 405
