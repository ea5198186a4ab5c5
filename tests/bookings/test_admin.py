"""The admin goes through the services: deletes and actions emit the same events."""

from django.test import Client
from django.urls import reverse

from switchboard.bookings.models import Booking, BookingTransition
from tests.accounts.factories import UserFactory
from tests.bookings.factories import book, car_wash, car_wash_addon, parking, payloads, staff_with


def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_bulk_delete_in_the_admin_goes_through_the_service(org, operator, capture_events):
    washer = staff_with(org, "employee")
    reservation = book(org, parking(org), operator)
    addon = book(org, car_wash_addon(org), operator, parent=reservation, assignee=washer)
    loose = book(org, car_wash(org), operator, assignee=washer)
    events = capture_events()
    response = admin_client().post(
        reverse("admin:bookings_booking_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [reservation.pk, addon.pk, loose.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Booking.objects.exists()
    assert BookingTransition.objects.filter(action="deleted").count() == 3
    assert payloads(events, "workload-updated")[-1]["current_assignments"] == 0


def test_admin_actions_report_what_the_workflow_refused(org, operator):
    washer = staff_with(org, "employee")
    pending = book(org, car_wash(org), operator, assignee=washer)
    response = admin_client().post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "mark_completed", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert "does not allow" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    admin_client().post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "cancel", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.status == "cancelled"


def test_the_admin_shows_a_booking_with_its_trail_but_does_not_edit_it(org, operator):
    booking = book(org, car_wash(org), operator)
    client = admin_client()
    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert page.status_code == 200 and "created" in page.content.decode()
    response = client.post(
        reverse("admin:bookings_booking_change", args=[booking.pk]), {"status": "completed"}
    )
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == "pending"
