"""Duty status where people look for it: the staff detail and presence's member info."""

import json
from datetime import UTC, datetime, timedelta

from switchboard.common import clock
from switchboard.staff.attendance import services
from switchboard.staff.channels import presence_channel
from tests.realtime.test_views import auth
from tests.staff.factories import StaffMemberFactory

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def detail(client, org, staff):
    return client.get(f"/api/orgs/{org.slug}/staff/{staff.pk}/").json()


def test_the_staff_detail_carries_duty_and_current_status(api, org, operator):
    me = StaffMemberFactory(organization=org)
    client = api.as_user(operator)
    with clock.frozen_at(T0):
        assert detail(client, org, me)["duty_status"] == "off_duty"
        services.staff_clock_in(organization=org, acting_user=me.user, staff=me)
        clock.advance(timedelta(minutes=30))
        services.staff_break_start(organization=org, acting_user=me.user, staff=me)
        clock.advance(timedelta(minutes=10))
        answer = detail(client, org, me)
    assert answer["duty_status"] == "on_break"
    assert answer["current_status"]["is_on_break"] is True
    assert answer["current_status"]["total_break_minutes"] == 10
    listed = client.get(f"/api/orgs/{org.slug}/staff/").json()["results"]
    assert "duty_status" not in listed[0]


def member_info(api, user, org):
    answer = auth(api.as_user(user), presence_channel(org.slug))
    return json.loads(answer.json()["channel_data"])["user_info"]


def test_presence_carries_the_duty_status_of_staff(api, org, owner):
    me = StaffMemberFactory(organization=org)
    assert member_info(api, me.user, org)["duty_status"] == "off_duty"
    services.staff_clock_in(organization=org, acting_user=me.user, staff=me)
    assert member_info(api, me.user, org)["duty_status"] == "on_duty"
    assert member_info(api, owner, org)["duty_status"] is None
