"""Conformance with a client no one here wrote: pusher-js 8 (npm) under Node, against the
whole application served by uvicorn in its own process, with our channel authorisation."""

import json
import re

import httpx
import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as connect_websocket

from switchboard.accounts.services import api_token_issue
from switchboard.realtime.publish import outbox_write as publish
from switchboard.staff.channels import org_channel, presence_channel
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.realtime.server.support import api_client, make_config
from tests.realtime.support import LiveApp, NodeClients
from tests.support.wait import TIMEOUT

pytestmark = pytest.mark.e2e
HEALTH_TOKEN = "operations-token-for-tests"


@pytest.fixture
def people(transactional_db):
    org = OrganizationFactory(slug="acme", name="Acme")
    other = OrganizationFactory(slug="globex", name="Globex")
    owner = MembershipFactory(organization=org, role="owner").user
    staff = MembershipFactory(organization=org, role="staff").user
    outsider = MembershipFactory(organization=other, role="owner").user
    tokens = {
        name: api_token_issue(user=user)[1]
        for name, user in {"owner": owner, "staff": staff, "outsider": outsider}.items()
    }
    return {"org": org, "owner": owner, "staff": staff, "outsider": outsider, "tokens": tokens}


@pytest.fixture
def live(people):
    app = LiveApp(env={"HEALTH_TOKEN": HEALTH_TOKEN}).start()
    yield app
    app.cleanup()


@pytest.fixture
def node():
    clients = NodeClients()
    yield clients
    clients.close()


def connect(node, live, people, client_id, who):
    headers = {"Authorization": f"Token {people['tokens'][who]}"}
    node.send(
        "connect",
        id=client_id,
        key=settings.PUSHER_APP["key"],
        host="127.0.0.1",
        port=live.port,
        auth={"endpoint": f"{live.url}/api/realtime/auth/", "headers": headers},
        userAuth={"endpoint": f"{live.url}/api/realtime/user-auth/", "headers": headers},
    )
    return node.expect(id=client_id, type="state", current="connected")


def subscribed(node, client_id, channel):
    node.send("subscribe", id=client_id, channel=channel)
    return node.expect(id=client_id, event="pusher:subscription_succeeded", channel=channel)


def api(live):
    app = settings.PUSHER_APP
    config = make_config().with_changes(
        app_id=str(app["app_id"]), key=app["key"], secret=app["secret"]
    )
    return api_client(config, live.port)


def test_connect_public_and_private_channels(node, live, people):
    state = connect(node, live, people, "a", "staff")
    assert re.fullmatch(r"\d+\.\d+", state["socket_id"])
    subscribed(node, "a", "news")
    channel = org_channel("acme")
    subscribed(node, "a", channel)
    api(live).trigger(["news", channel], "hello", {"n": 1})
    for name in ("news", channel):
        event = node.expect(id="a", event="hello", channel=name)
        assert event["data"] == {"n": 1}


def test_presence_members_come_and_go(node, live, people):
    channel = presence_channel("acme")
    connect(node, live, people, "owner", "owner")
    mine = subscribed(node, "owner", channel)
    assert mine["data"]["count"] == 1
    assert mine["data"]["me"]["id"] == str(people["owner"].pk)
    connect(node, live, people, "staff", "staff")
    theirs = subscribed(node, "staff", channel)
    assert theirs["data"]["ids"] == sorted([str(people["owner"].pk), str(people["staff"].pk)])
    added = node.expect(id="owner", event="pusher:member_added", channel=channel)
    assert added["data"]["id"] == str(people["staff"].pk)
    assert added["data"]["info"]["role"] == "staff"
    node.send("disconnect", id="staff")
    removed = node.expect(id="owner", event="pusher:member_removed", channel=channel)
    assert removed["data"]["id"] == str(people["staff"].pk)
    node.send("members", id="owner", channel=channel)
    assert node.expect(id="owner", type="members")["ids"] == [str(people["owner"].pk)]


def test_client_events_between_two_clients(node, live, people):
    channel = presence_channel("acme")
    for who in ("owner", "staff"):
        connect(node, live, people, who, who)
        node.send("subscribe", id=who, channel=channel, bind=["client-typing"])
        node.expect(id=who, event="pusher:subscription_succeeded", channel=channel)
    node.send("trigger", id="owner", channel=channel, event="client-typing", data={"on": True})
    assert node.expect(id="owner", type="triggered")["ok"] is True
    got = node.expect(id="staff", type="bound", event="client-typing", channel=channel)
    assert got["data"] == {"on": True}
    assert got["user_id"] == str(people["owner"].pk)
    node.absent(id="owner", event="client-typing")


def test_wrong_signature_and_refused_channels(node, live, people):
    node.send(
        "connect",
        id="forger",
        key=settings.PUSHER_APP["key"],
        host="127.0.0.1",
        port=live.port,
        badAuth=True,
    )
    state = node.expect(id="forger", type="state", current="connected")
    node.send("subscribe", id="forger", channel="private-org-acme")
    error = node.expect(id="forger", event="pusher:subscription_error")
    expected = f"Expected HMAC SHA256 hex digest of {state['socket_id']}:private-org-acme"
    assert expected in error["data"]["error"]
    assert error["data"]["status"] == 401

    # Our authorisation endpoint refuses a member of another organisation.
    connect(node, live, people, "outsider", "outsider")
    node.send("subscribe", id="outsider", channel=org_channel("acme"))
    refused = node.expect(id="outsider", event="pusher:subscription_error")
    assert refused["data"]["status"] == 403


def test_signin_and_events_sent_to_the_user(node, live, people):
    connect(node, live, people, "a", "staff")
    node.send("signin", id="a")
    user_id = str(people["staff"].pk)
    node.expect(id="a", type="message", event="pusher:signin_success")
    node.expect(
        id="a",
        type="message",
        event="pusher_internal:subscription_succeeded",
        channel=f"#server-to-user-{user_id}",
    )
    api(live).send_to_user(user_id, "note", {"text": "hi"})
    assert node.expect(id="a", type="user_event", event="note")["data"] == {"text": "hi"}


def test_events_from_the_outbox_reach_pusher_js_with_their_id(node, people):
    app = LiveApp(scheduler=True).start()
    try:
        connect(node, app, people, "a", "staff")
        channel = org_channel("acme")
        subscribed(node, "a", channel)
        rows = [publish(people["org"], [channel], "roster-updated", {"n": n})[0] for n in range(3)]
        for n, row in enumerate(rows):
            event = node.expect(id="a", event="roster-updated", channel=channel)
            assert event["data"] == {"n": n, "event_id": row.pk}
    finally:
        app.cleanup()


def test_reconnect_after_a_server_restart(node, people):
    app = LiveApp().start()
    try:
        first = connect(node, app, people, "a", "staff")
        subscribed(node, "a", "news")
        # A plain WebSocket beside pusher-js, to read the close code itself.
        url = f"ws://127.0.0.1:{app.port}/app/{settings.PUSHER_APP['key']}?protocol=7"
        with connect_websocket(url) as raw:
            assert json.loads(raw.recv(timeout=TIMEOUT))["event"] == "pusher:connection_established"
            app.stop()  # SIGTERM: clients are closed with 4200 and reconnect at once
            with pytest.raises(ConnectionClosed) as closed:
                raw.recv(timeout=TIMEOUT)
        assert closed.value.rcvd.code == 4200
        node.expect(id="a", type="state", previous="connected")
        restarted = LiveApp(port=app.port).start()
        try:
            again = node.expect(id="a", type="state", current="connected")
            assert again["socket_id"] != first["socket_id"]
            # pusher-js subscribes again by itself; events flow.
            node.expect(id="a", event="pusher:subscription_succeeded", channel="news")
            api(restarted).trigger("news", "back", {"ok": 1})
            assert node.expect(id="a", event="back")["data"] == {"ok": 1}
        finally:
            restarted.cleanup()
    finally:
        app.cleanup()


def test_one_port_serves_pages_the_websocket_and_health(live):
    url = f"ws://127.0.0.1:{live.port}/app/{settings.PUSHER_APP['key']}?protocol=7"
    with connect_websocket(url) as ws:
        assert json.loads(ws.recv(timeout=TIMEOUT))["event"] == "pusher:connection_established"
        operator = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
        health = httpx.get(f"{live.url}/health", headers=operator).json()
        assert health["realtime"]["running"] is True
        assert health["realtime"]["connections"] == 1
    assert httpx.get(f"{live.url}/login/").status_code == 200
    # No other WebSocket endpoint: the upgrade is refused.
    with pytest.raises(InvalidStatus) as refused:
        connect_websocket(f"ws://127.0.0.1:{live.port}/elsewhere", open_timeout=TIMEOUT)
    assert refused.value.response.status_code == 403
