"""A resource's status comes from every active booking that holds it, in any workflow.

Issue 13: the car wash's parking space P2 showed Available while a reservation held it
08:30-12:30, and its Start button then failed because the car wash offers no session
service.
"""

from datetime import UTC, datetime, timedelta

from django.test import Client

from switchboard.bookings import services
from switchboard.common.clock import frozen_at
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.factories import car_wash, parking, session_service, staff_with
from tests.catalog.factories import ResourceFactory

# 09:00 in Kolkata.
T0 = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)


def _page(user, org):
    client = Client()
    client.force_login(user)
    return client.get(f"/o/{org.slug}/resources/")


def _car_wash_org():
    org = OrganizationFactory(slug="sparkle", timezone="Asia/Kolkata")
    return org, MembershipFactory(organization=org, role="operator").user


def test_a_reservation_holds_its_space_and_the_board_says_who_and_until_when(api, db):
    org, operator = _car_wash_org()
    ResourceFactory(organization=org, name="P1", kind="parking_space")
    p2 = ResourceFactory(organization=org, name="P2", kind="parking_space")
    with frozen_at(T0 - timedelta(minutes=30)):  # 08:30 local
        services.booking_create(
            organization=org,
            service=parking(org),
            starts_at=T0 - timedelta(minutes=30),
            resource=p2,
            customer_name="Vikram Shah",
            acting_user=operator,
        )
    with frozen_at(T0):
        page = _page(operator, org)
        board = api.as_user(operator).get(f"/api/orgs/{org.slug}/resource-board/").json()
    rows = {row["name"]: row for row in page.context["board"]["resources"]}
    assert rows["P2"]["status"] == "active"
    assert (rows["P2"]["held_by"], rows["P2"]["active_workflow"]) == ("Vikram Shah", "reservation")
    assert rows["P2"]["until"] == "12:30"
    assert rows["P1"]["status"] == "available" and rows["P1"]["held_by"] is None
    api_rows = {row["name"]: row for row in board["resources"]}
    assert api_rows["P2"]["status"] == "active"
    assert api_rows["P2"]["held_by"] == "Vikram Shah"
    assert api_rows["P2"]["ends_at"] == "2026-12-01T12:30:00+05:30"
    html = page.content.decode()
    assert "Vikram Shah" in html
    # No session service here: no Start button that could only fail.
    assert 'data-action="start"' not in html
    assert page.context["board"]["mayStart"] is False


def test_a_standard_booking_with_a_resource_holds_it_with_its_assignee(db):
    org, operator = _car_wash_org()
    bay = ResourceFactory(organization=org, name="Wash Bay 1", kind="wash_bay")
    washer = staff_with(org, "employee")
    with frozen_at(T0):
        services.booking_create(
            organization=org,
            service=car_wash(org),
            starts_at=T0,
            resource=bay,
            assignee=washer,
            customer_name="Ravi",
            acting_user=operator,
        )
        row = _page(operator, org).context["board"]["resources"][0]
    assert row["status"] == "active"
    assert (row["held_by"], row["held_with"]) == ("Ravi", washer.full_name)


def test_an_end_on_another_day_shows_its_date(db):
    org, operator = _car_wash_org()
    space = ResourceFactory(organization=org, name="P3", kind="parking_space")
    overnight = parking(org, name="Overnight", duration_minutes=20 * 60)
    with frozen_at(T0):
        services.booking_create(
            organization=org,
            service=overnight,
            starts_at=T0,
            resource=space,
            customer_name="Late Driver",
            acting_user=operator,
        )
        row = _page(operator, org).context["board"]["resources"][0]
    assert row["until"] == "Wed 2 Dec 05:00"


def test_a_cafe_keeps_its_start_buttons_and_its_staff_read_the_board(org, operator, staff_user):
    session_service(org)
    ResourceFactory(organization=org, name="PC01", kind="pc")
    managers = _page(operator, org).content.decode()
    assert 'data-action="start"' in managers
    staff = _page(staff_user, org)
    assert staff.status_code == 200
    assert "PC01" in staff.content.decode()
    assert 'data-action="start"' not in staff.content.decode()
