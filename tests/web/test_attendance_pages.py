"""My day and the attendance board: the clock button by state, refusals shown next to it
and changing nothing, shifts in the organisation's zone, the board's states and guards."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from switchboard.common import clock
from switchboard.staff.attendance import services
from switchboard.staff.attendance.models import ClockLog
from switchboard.staff.attendance.roster import shift_create
from tests.staff.factories import DepartmentFactory, StaffMemberFactory

# 09:00 in Dublin in winter is 09:00 UTC; the fixture organisation's zone is set below.
T0 = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, org):
    return reverse(name, kwargs={"org_slug": org.slug})


@pytest.fixture
def me(org):
    org.timezone = "Europe/Dublin"
    org.save(update_fields=["timezone"])
    return StaffMemberFactory(organization=org, department=DepartmentFactory(organization=org))


def punch(client, org, action):
    return client.post(url("org-my-day-punch", org), {"action": action})


def test_the_clock_button_follows_the_state_table(org, me):
    client = logged_in(me.user)
    with clock.frozen_at(T0):
        page = client.get(url("org-my-day", org)).content.decode()
        assert ">Clock In</button>" in page and "Clock Out" not in page
        card = punch(client, org, "clock_in").content.decode()
        assert ">Start Break</button>" in card and ">Clock Out</button>" in card
        clock.advance(timedelta(minutes=3))
        punch(client, org, "start_break")
        clock.advance(timedelta(minutes=7))
        card = client.get(url("org-my-day-clock", org)).content.decode()
        assert "End Break (<span data-break-minutes>7</span> min)" in card
        assert "Clock Out" not in card


def test_a_refused_punch_is_a_409_shown_next_to_the_button_and_changes_nothing(org, me):
    client = logged_in(me.user)
    response = punch(client, org, "clock_out")
    assert response.status_code == 409
    assert 'data-testid="clock-error"' in response.content.decode()
    assert ">Clock In</button>" in response.content.decode()
    assert not ClockLog.objects.filter(staff=me).exists()
    assert punch(client, org, "explode").status_code == 400
    assert not ClockLog.objects.exists()


def test_my_day_shows_today_and_the_week_in_local_time(org, me, owner):
    with clock.frozen_at(T0):
        for offset, start in ((0, time(8)), (1, time(22))):
            shift_create(
                organization=org,
                acting_user=owner,
                staff=me,
                date=date(2026, 1, 14) + timedelta(days=offset),
                start_time=start,
                end_time=time(16) if offset == 0 else time(6),
            )
        page = logged_in(me.user).get(url("org-my-day", org)).content.decode()
    today = page.split('data-testid="today-shift"')[1].split("</section>")[0]
    assert "08:00\N{EN DASH}16:00" in today and "22:00" not in today
    assert "Thu 15 Jan</strong> 22:00\N{EN DASH}06:00" in page


def test_my_day_needs_a_staff_profile_and_a_staff_role(org, owner, customer):
    assert logged_in(owner).get(url("org-my-day", org)).status_code == 404
    assert logged_in(customer).get(url("org-my-day", org)).status_code == 403


def test_the_board_groups_people_and_counts_their_states(org, me, owner):
    late = StaffMemberFactory(organization=org)
    with clock.frozen_at(T0):
        shift_create(
            organization=org,
            acting_user=owner,
            staff=late,
            date=date(2026, 1, 14),
            start_time=time(8),
            end_time=time(16),
        )
        services.staff_clock_in(organization=org, acting_user=me.user)
        clock.advance(timedelta(minutes=1))
        services.staff_break_start(organization=org, acting_user=me.user)
        clock.advance(timedelta(minutes=12))
        response = logged_in(owner).get(url("org-attendance", org))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="count-on_break" data-count="1"' in page
    assert 'data-testid="count-late" data-count="1"' in page
    assert me.department.name in page
    assert 'for <span data-break-since="' in page and '">12</span> min' in page
    assert 'data-testid="nav-attendance"' in page


def test_the_board_is_for_the_organisations_internal_members(org, customer, outsider):
    assert logged_in(customer).get(url("org-attendance", org)).status_code == 403
    assert logged_in(outsider).get(url("org-attendance", org)).status_code == 404


def test_the_board_reads_in_a_fixed_number_of_queries(org, me, owner):
    client = logged_in(owner)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("org-attendance-rows", org)).status_code == 200
        return len(captured)

    services.staff_clock_in(organization=org, acting_user=me.user)
    few = queries()
    for _ in range(4):
        person = StaffMemberFactory(organization=org, department=me.department)
        services.staff_clock_in(organization=org, acting_user=person.user)
    assert queries() == few
