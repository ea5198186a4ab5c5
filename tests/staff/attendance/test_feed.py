"""The shift feed: a secret URL per person, rotatable, in the organisation's zone."""

from datetime import UTC, date, datetime, time

from icalendar import Calendar

from switchboard.common import clock
from switchboard.staff.attendance.models import Shift
from switchboard.staff.models import StaffMember
from tests.staff.factories import DepartmentFactory, StaffMemberFactory

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def rotate(client, org, staff):
    return client.post(f"/api/orgs/{org.slug}/staff/{staff.pk}/calendar-token/")


def events(answer):
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(answer.content).walk("VEVENT")


def test_a_person_reads_their_shifts_in_the_organisations_zone(api, org):
    me = StaffMemberFactory(organization=org, department=DepartmentFactory(organization=org))
    Shift.objects.create(
        organization=org, staff=me, date=date(2026, 6, 2), start_time=time(9), end_time=time(17)
    )
    Shift.objects.create(
        organization=org,
        staff=me,
        date=date(2026, 6, 3),
        start_time=time(22),
        end_time=time(6),
        location="Night desk",
    )
    with clock.frozen_at(T0):
        url = rotate(api.as_user(me.user), org, me).json()["url"]
        answer = api.get(url)
    day, night = events(answer)
    assert day["DTSTART"].params["TZID"] == "Europe/Dublin"
    assert day.decoded("DTSTART") == datetime(2026, 6, 2, 9, tzinfo=org.tzinfo)
    assert night.decoded("DTEND") == datetime(2026, 6, 4, 6, tzinfo=org.tzinfo)
    assert night["LOCATION"] == "Night desk"
    assert b"BEGIN:VTIMEZONE" in answer.content


def test_only_the_hash_is_kept_and_rotating_ends_the_old_url(api, org, operator):
    me = StaffMemberFactory(organization=org)
    first = rotate(api.as_user(me.user), org, me).json()
    stored = StaffMember.objects.get(pk=me.pk).calendar_token_hash
    assert stored and first["token"] not in stored
    second = rotate(api.as_user(operator), org, me)
    assert second.status_code == 201
    assert api.get(first["url"]).status_code == 404
    assert api.get(second.json()["url"]).status_code == 200


def test_a_wrong_token_is_404_and_staff_rotate_only_their_own(api, org):
    me, other = StaffMemberFactory(organization=org), StaffMemberFactory(organization=org)
    assert api.get("/feeds/shifts/not-a-token.ics").status_code == 404
    assert api.get("/feeds/shifts/.ics").status_code == 404
    before = StaffMember.objects.get(pk=other.pk).calendar_token_hash
    assert rotate(api.as_user(me.user), org, other).status_code == 403
    assert StaffMember.objects.get(pk=other.pk).calendar_token_hash == before


def test_a_deactivated_profile_has_no_feed(api, org, operator):
    me = StaffMemberFactory(organization=org)
    url = rotate(api.as_user(operator), org, me).json()["url"]
    StaffMember.objects.filter(pk=me.pk).update(is_active=False)
    assert api.get(url).status_code == 404
