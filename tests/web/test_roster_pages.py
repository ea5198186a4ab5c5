"""The roster week page and the timesheet page: who sees what, the week and the range
read from the query string, and bad input answered without a server error."""

import json
from datetime import date, datetime, time

import pytest
from django.test import Client

from switchboard.staff.attendance.models import ClockLog, Shift
from tests.staff.factories import StaffMemberFactory


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def roster_data(response) -> dict:
    html = response.content.decode()
    start = html.index(">", html.index('id="roster-data"')) + 1
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def person(org):
    return StaffMemberFactory(organization=org)


def shift(org, person, day):
    return Shift.objects.create(
        organization=org, staff=person, date=day, start_time=time(9), end_time=time(17)
    )


def test_managers_get_an_editable_week_from_monday(org, owner, person):
    shift(org, person, date(2026, 6, 3))
    shift(org, person, date(2026, 6, 8))  # the next week
    response = logged_in(owner).get(f"/o/{org.slug}/roster/", {"week": "2026-06-04"})
    data = roster_data(response)
    assert (data["week"], data["canEdit"], len(data["days"])) == ("2026-06-01", True, 7)
    assert [s["date"] for s in data["shifts"]] == ["2026-06-03"]
    assert [p["id"] for p in data["people"]] == [person.pk]
    assert 'href="?week=2026-05-25"' in response.content.decode()


def test_staff_read_the_roster_and_customers_may_not(org, person, customer):
    data = roster_data(logged_in(person.user).get(f"/o/{org.slug}/roster/"))
    assert data["canEdit"] is False
    assert logged_in(customer).get(f"/o/{org.slug}/roster/").status_code == 403


@pytest.mark.parametrize("week", ["nonsense", "1900-01-01", "2026-02-30", "9999-12-31"])
def test_an_unreadable_week_shows_a_week_not_an_error(org, owner, week):
    response = logged_in(owner).get(f"/o/{org.slug}/roster/", {"week": week})
    assert response.status_code == 200


def test_the_timesheet_page_shows_staff_their_own_rows(org, owner, person):
    other = StaffMemberFactory(organization=org)
    for member in (person, other):
        shift(org, member, date(2026, 6, 1))
    ClockLog.objects.create(
        organization=org,
        staff=person,
        clock_in_at=datetime(2026, 6, 1, 9, tzinfo=org.tzinfo),
        clock_out_at=datetime(2026, 6, 1, 17, tzinfo=org.tzinfo),
    )
    params = {"date_from": "2026-06-01", "date_to": "2026-06-07"}
    mine = logged_in(person.user).get(f"/o/{org.slug}/timesheet/", params).content.decode()
    assert mine.count('data-testid="timesheet-row"') == 1 and ">09:00<" in mine
    everyone = logged_in(owner).get(f"/o/{org.slug}/timesheet/table/", params).content.decode()
    assert everyone.count('data-testid="timesheet-row"') == 2
    assert "format=csv" in mine


def test_a_bad_timesheet_range_is_shown_next_to_the_form(org, owner):
    params = {"date_from": "2026-06-10", "date_to": "2026-06-01"}
    response = logged_in(owner).get(f"/o/{org.slug}/timesheet/", params)
    assert response.status_code == 200
    assert 'data-testid="timesheet-error"' in response.content.decode()
