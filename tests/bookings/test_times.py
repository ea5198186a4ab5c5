"""Times in the organisation's zone, and the back-dating window (issue 13).

A time without an offset is the organisation's wall time and answers carry its offset; a
start further in the past than the organisation's window is refused unless an owner or
operator passes `allow_past`, which the audit row keeps.
"""

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.bookings.models import Booking, BookingTransition
from switchboard.catalog.models import Service
from switchboard.common.clock import frozen_at
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.factories import car_wash

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _post(api, user, org, **body):
    service = Service.objects.filter(organization=org).first() or car_wash(org)
    body = {"service": service.pk, "customer_name": "Ravi", **body}
    return api.as_user(user).post(f"/api/orgs/{org.slug}/bookings/", body, format="json")


@pytest.mark.parametrize(
    ("zone", "local", "utc", "echoed"),
    [
        # Issue 13's case: 10:00 in Kolkata is 04:30 UTC, not 10:00 UTC.
        ("Asia/Kolkata", "2026-12-01T10:00", "2026-12-01T04:30", "2026-12-01T10:00:00+05:30"),
        ("America/New_York", "2026-12-01T10:00", "2026-12-01T15:00", "2026-12-01T10:00:00-05:00"),
        # Summer time: the offset is the one of that date, not of today.
        ("America/New_York", "2027-07-01T10:00", "2027-07-01T14:00", "2027-07-01T10:00:00-04:00"),
    ],
)
def test_a_time_without_offset_is_the_organisations_wall_time(api, db, zone, local, utc, echoed):
    org = OrganizationFactory(slug="wash", timezone=zone)
    operator = MembershipFactory(organization=org, role="operator").user
    with frozen_at(NOW):
        response = _post(api, operator, org, starts_at=local)
    assert response.status_code == 201, response.json()
    stored = Booking.objects.get(pk=response.json()["id"])
    assert stored.starts_at == datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert response.json()["starts_at"] == echoed
    listed = api.get(f"/api/orgs/{org.slug}/bookings/{stored.pk}/").json()
    assert listed["starts_at"] == echoed


def test_a_time_with_an_offset_keeps_its_instant(api, db):
    org = OrganizationFactory(slug="wash", timezone="Asia/Kolkata")
    operator = MembershipFactory(organization=org, role="operator").user
    with frozen_at(NOW):
        response = _post(api, operator, org, starts_at="2026-12-01T10:00:00Z")
    assert response.status_code == 201
    assert response.json()["starts_at"] == "2026-12-01T15:30:00+05:30"


def test_a_start_in_the_past_is_400_and_changes_nothing(api, org, operator):
    with frozen_at(NOW):
        refused = _post(api, operator, org, starts_at="2025-06-01T10:00:00Z")
        a_minute_ago = _post(api, operator, org, starts_at=(NOW - timedelta(minutes=1)).isoformat())
        this_minute = _post(api, operator, org, starts_at=(NOW + timedelta(seconds=0)).isoformat())
    assert refused.status_code == 400
    assert "allow_past" in refused.json()["starts_at"][0]
    assert a_minute_ago.status_code == 400
    assert this_minute.status_code == 201
    assert Booking.objects.count() == 1


def test_the_back_dating_window_is_the_organisations(api, org, owner, operator):
    changed = api.as_user(owner).patch(
        f"/api/orgs/{org.slug}/", {"booking_backdate_minutes": 30}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["booking_backdate_minutes"] == 30
    with frozen_at(NOW):
        within = _post(api, operator, org, starts_at=(NOW - timedelta(minutes=25)).isoformat())
        beyond = _post(api, operator, org, starts_at=(NOW - timedelta(minutes=35)).isoformat())
    assert within.status_code == 201
    assert beyond.status_code == 400
    assert "more than 30 minutes ago" in beyond.json()["starts_at"][0]


def test_allow_past_is_for_managers_and_is_in_the_audit_row(api, org, operator):
    with frozen_at(NOW):
        made = _post(api, operator, org, starts_at="2026-11-30T10:00:00Z", allow_past=True)
        on_time = _post(api, operator, org, starts_at=NOW.isoformat(), allow_past=True)
    assert made.status_code == 201, made.json()
    row = BookingTransition.objects.get(booking_id=made.json()["id"], action="created")
    assert row.data["allow_past"] is True
    # Only a start that needed it records it.
    assert "allow_past" not in BookingTransition.objects.get(booking_id=on_time.json()["id"]).data
