"""Channel authorisation, user sign-in and replay: DESIGN.md's channel table, enforced."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from switchboard.accounts.services import api_token_issue
from switchboard.common import clock
from switchboard.realtime import relay
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import outbox_write as publish
from switchboard.realtime.relay import relay_pending
from switchboard.realtime.server import signing
from switchboard.staff.channels import (
    customer_channel,
    dept_channel,
    managers_channel,
    org_channel,
    presence_channel,
    staff_channel,
)
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.staff.factories import DepartmentFactory, StaffMemberFactory

SOCKET = "123.456"
AUTH = reverse("realtime-auth")
USER_AUTH = reverse("realtime-user-auth")
EVENTS = reverse("realtime-events")


def auth(client, channel, socket_id=SOCKET):
    return client.post(AUTH, {"socket_id": socket_id, "channel_name": channel}, format="multipart")


def valid(answer, channel, socket_id=SOCKET) -> bool:
    app = settings.PUSHER_APP
    string = signing.channel_string(socket_id, channel, answer.get("channel_data"))
    return signing.check_token(app["key"], app["secret"], string, answer["auth"])


@pytest.fixture
def floors(org):
    """Two departments, a staff member in each."""
    front = DepartmentFactory(organization=org, slug="front", name="Front Desk")
    rooms = DepartmentFactory(organization=org, slug="rooms", name="Housekeeping")
    return {
        "front": StaffMemberFactory(organization=org, department=front),
        "rooms": StaffMemberFactory(organization=org, department=rooms),
    }


def all_channels(org, floors):
    return [
        org_channel(org.slug),
        presence_channel(org.slug),
        managers_channel(org.slug),
        staff_channel(org.slug, floors["front"].pk),
        staff_channel(org.slug, floors["rooms"].pk),
        dept_channel(org.slug, "front"),
        dept_channel(org.slug, "rooms"),
    ]


@pytest.mark.parametrize("role", ["owner", "operator", "staff"])
def test_every_insider_gets_the_org_and_presence_channels(api, org, role):
    user = MembershipFactory(organization=org, role=role).user
    client = api.as_user(user)
    private = auth(client, org_channel(org.slug))
    assert private.status_code == 200 and valid(private.json(), org_channel(org.slug))
    presence = auth(client, presence_channel(org.slug))
    assert presence.status_code == 200
    assert valid(presence.json(), presence_channel(org.slug))
    member = json.loads(presence.json()["channel_data"])
    assert member["user_id"] == str(user.pk)
    assert member["user_info"]["role"] == role
    assert member["user_info"]["name"] == (user.get_full_name() or user.username)


def test_staff_and_department_channels_follow_the_table(api, org, operator, floors):
    front, rooms = floors["front"], floors["rooms"]
    as_front = api.as_user(front.user)
    assert auth(as_front, staff_channel(org.slug, front.pk)).status_code == 200
    assert auth(as_front, staff_channel(org.slug, rooms.pk)).status_code == 403
    assert auth(as_front, dept_channel(org.slug, "front")).status_code == 200
    assert auth(as_front, dept_channel(org.slug, "rooms")).status_code == 403
    as_operator = api.as_user(operator)
    for channel in all_channels(org, floors):
        assert auth(as_operator, channel).status_code == 200, channel


def test_customers_get_only_their_own_channel(api, org, owner, customer, floors, capture_events):
    """The internal channel carries what customers may not read: no subscription, no replay."""
    capture = capture_events()
    publish(org, [org_channel(org.slug)], "roster-updated", {"n": 1})
    relay_pending()
    client = api.as_user(customer)
    for channel in all_channels(org, floors):
        assert auth(client, channel).status_code == 403, channel
        replay = client.get(EVENTS, {"channel": channel, "after": 0})
        assert replay.status_code == 403 and "events" not in replay.json()
    assert auth(client, customer_channel(org.slug, customer.pk)).status_code == 200
    assert auth(client, customer_channel(org.slug, owner.pk)).status_code == 403
    assert auth(api.as_user(owner), customer_channel(org.slug, customer.pk)).status_code == 403
    assert len(capture.rows) == 1


def test_staff_may_not_subscribe_to_the_managers_channel(api, org, floors):
    client = api.as_user(floors["front"].user)
    assert auth(client, managers_channel(org.slug)).status_code == 403


def test_a_member_of_another_organisation_is_refused_every_channel(
    api, org, outsider, floors, capture_events
):
    capture = capture_events()
    publish(org, [org_channel(org.slug)], "roster-updated", {"n": 1})
    client = api.as_user(outsider)
    for channel in all_channels(org, floors):
        refused = auth(client, channel)
        assert refused.status_code == 403, channel
        assert "auth" not in refused.json()
        missing = auth(client, channel.replace(org.slug, "no-such-org"))
        assert missing.status_code == 403
        assert refused.json()["detail"].replace(org.slug, "no-such-org") == missing.json()["detail"]
        replay = client.get(EVENTS, {"channel": channel, "after": 0})
        assert replay.status_code == 403 and "events" not in replay.json()
    assert len(capture.rows) == 1


@pytest.mark.parametrize("kind", ["staff", "dept", "managers", "customer"])
def test_no_slug_can_take_another_organisations_channel(api, org, kind):
    """The old names were ambiguous (`private-org-a-dept-b`); with `.` as the separator a
    twin organisation named after a channel changes nothing for anyone."""
    desk = DepartmentFactory(organization=org, slug="front-desk")
    staff = StaffMemberFactory(organization=org, department=desk)
    owner = MembershipFactory(organization=org, role="owner").user
    name = {
        "staff": staff_channel(org.slug, staff.pk),
        "dept": dept_channel(org.slug, desk.slug),
        "managers": managers_channel(org.slug),
        "customer": customer_channel(org.slug, owner.pk),
    }[kind]
    subscriber = owner if kind in ("managers", "customer") else staff.user
    assert auth(api.as_user(subscriber), name).status_code == 200
    twin_slugs = [
        name.removeprefix("private-org-").replace(".", "-"),
        f"{org.slug}-dept-front-desk",
    ]
    for slug in twin_slugs:
        twin = OrganizationFactory(slug=slug)
        twin_owner = MembershipFactory(organization=twin, role="owner").user
        assert auth(api.as_user(subscriber), name).status_code == 200
        assert auth(api.as_user(subscriber), org_channel(org.slug)).status_code == 200
        assert auth(api.as_user(twin_owner), name).status_code == 403
        assert auth(api.as_user(twin_owner), org_channel(twin.slug)).status_code == 200


def test_inactive_members_and_anonymous_callers_are_refused(api, org, staff_user):
    membership = staff_user.memberships.get()
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert auth(api.as_user(staff_user), org_channel(org.slug)).status_code == 403
    api.logout()
    assert auth(api, org_channel(org.slug)).status_code in (401, 403)
    assert api.post(USER_AUTH, {"socket_id": SOCKET}).status_code in (401, 403)
    assert api.get(EVENTS, {"channel": org_channel(org.slug)}).status_code in (401, 403)


def test_public_and_encrypted_channels_and_bad_input(api, org, owner):
    client = api.as_user(owner)
    assert auth(client, "news").status_code == 403
    assert auth(client, f"private-encrypted-org-{org.slug}").status_code == 403
    bad_socket = auth(client, org_channel(org.slug), socket_id="abc")
    assert bad_socket.status_code == 400 and "socket_id" in bad_socket.json()
    bad_channel = auth(client, "private-org-a b")
    assert bad_channel.status_code == 400 and "channel_name" in bad_channel.json()


def test_api_token_works_and_session_needs_csrf(org, owner):
    _, key = api_token_issue(user=owner, name="dashboard")
    client = Client(enforce_csrf_checks=True)
    data = {"socket_id": SOCKET, "channel_name": org_channel(org.slug)}
    by_token = client.post(AUTH, data, HTTP_AUTHORIZATION=f"Token {key}")
    assert by_token.status_code == 200 and valid(by_token.json(), org_channel(org.slug))

    client.force_login(owner)
    assert client.post(AUTH, data).status_code == 403
    client.get(reverse("org-home", args=[org.slug]))
    token = client.cookies["csrftoken"].value
    assert client.post(AUTH, data, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_user_auth_signs_the_user_data(api, owner):
    answer = api.as_user(owner).post(USER_AUTH, {"socket_id": SOCKET}, format="multipart")
    assert answer.status_code == 200
    body = answer.json()
    user_data = json.loads(body["user_data"])
    assert user_data["id"] == str(owner.pk)
    app = settings.PUSHER_APP
    string = signing.user_string(SOCKET, body["user_data"])
    assert signing.check_token(app["key"], app["secret"], string, body["auth"])


def test_replay_returns_the_events_after_an_id_in_order(api, org, owner, other_org):
    channel = org_channel(org.slug)
    rows = [publish(org, [channel], "roster-updated", {"n": n})[0] for n in range(5)]
    publish(org, [presence_channel(org.slug)], "elsewhere", {})
    publish(other_org, [channel], "same-name-other-org", {})
    relay_pending()
    client = api.as_user(owner)
    answer = client.get(EVENTS, {"channel": channel, "after": rows[1].pk})
    assert answer.status_code == 200
    body = answer.json()
    assert [e["event_id"] for e in body["events"]] == [r.pk for r in rows[2:]]
    assert [e["data"] for e in body["events"]] == [
        {"n": n, "event_id": rows[n].pk} for n in range(2, 5)
    ]
    assert body["has_more"] is False and body["retention_hours"] == 24

    page = client.get(EVENTS, {"channel": channel, "after": 0, "limit": 2}).json()
    assert [e["event_id"] for e in page["events"]] == [rows[0].pk, rows[1].pk]
    assert page["has_more"] is True
    assert client.get(EVENTS, {"channel": channel, "after": -1}).status_code == 400


def test_replay_only_covers_the_retention_window(api, org, owner):
    channel = org_channel(org.slug)
    start = clock.now()
    with clock.frozen_at(start - timedelta(hours=25)):
        old = publish(org, [channel], "roster-updated", {"old": True})[0]
    recent = publish(org, [channel], "roster-updated", {"old": False})[0]
    relay_pending()
    with clock.frozen_at(start):
        body = api.as_user(owner).get(EVENTS, {"channel": channel, "after": 0}).json()
    assert [e["event_id"] for e in body["events"]] == [recent.pk]
    assert OutboxEvent.objects.filter(pk=old.pk).exists()


def test_replay_serves_committed_events_the_relay_has_not_marked_yet(api, org, owner):
    """The relay hands events to the broker, then marks them published: a client that
    subscribed in between got them neither live nor, before, from the replay."""
    channel = org_channel(org.slug)
    first = publish(org, [channel], "roster-updated", {"n": 1})[0]
    relay_pending()
    second = publish(org, [channel], "roster-updated", {"n": 2})[0]
    served = []

    def replay_between_publish_and_mark(point):
        if point == "after_publish":
            body = api.as_user(owner).get(EVENTS, {"channel": channel, "after": 0}).json()
            served.extend(e["event_id"] for e in body["events"])

    relay.fault_hook = replay_between_publish_and_mark
    try:
        relay_pending()
    finally:
        relay.fault_hook = None
    assert served == [first.pk, second.pk]
