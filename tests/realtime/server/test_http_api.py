"""The HTTP API, driven by the official `pusher` library and by hand-made requests."""

import asyncio
import json
import time
from datetime import UTC, datetime

import httpx
import pusher
import pytest
from pusher.errors import PusherBadAuth, PusherBadRequest, PusherBadStatus

from switchboard.common import clock
from switchboard.realtime.server import signing
from tests.realtime.server.support import KEY, SECRET, WsClient, presence_auth
from tests.realtime.support import run


def signed_url(server, method: str, path: str, body: bytes = b"", **params) -> str:
    query = {
        "auth_key": KEY,
        "auth_timestamp": str(int(time.time())),
        "auth_version": "1.0",
        **params,
    }
    if body:
        query["body_md5"] = signing.body_md5(body)
    query["auth_signature"] = signing.hmac_hex(SECRET, signing.api_string(method, path, query))
    encoded = "&".join(f"{k}={v}" for k, v in query.items())
    return f"{server.url}{path}?{encoded}"


def test_trigger_reaches_subscribers_except_the_excluded_socket(server):
    api = server.api()

    async def scenario():
        one = await WsClient.open(server.ws_url)
        two = await WsClient.open(server.ws_url)
        for client in (one, two):
            await client.subscribe("news")
        answer = await asyncio.to_thread(
            api.trigger, ["news", "other"], "flash", {"a": 1}, one.socket_id
        )
        assert answer == {}
        assert json.loads((await two.expect("flash", "news"))["data"]) == {"a": 1}
        await one.nothing()

    run(scenario())


def test_trigger_batch_keeps_order_and_reports_info(server):
    api = server.api()
    channel = "presence-room"

    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe(channel, **presence_auth(client.socket_id, channel, "1"))
        await client.subscribe("news")
        batch = [
            {"channel": "news", "name": "first", "data": "1"},
            {"channel": channel, "name": "second", "data": "2", "info": "user_count"},
            {"channel": "news", "name": "third", "data": "3", "info": "subscription_count"},
        ]
        answer = await asyncio.to_thread(api.trigger_batch, batch)
        assert answer == {"batch": [{}, {"user_count": 1}, {"subscription_count": 1}]}
        assert [(await client.next())["event"] for _ in range(3)] == ["first", "second", "third"]

    run(scenario())


def test_channels_info_channel_info_and_users_info(server):
    api = server.api()

    async def scenario():
        news = await WsClient.open(server.ws_url)
        await news.subscribe("news")
        clients = []
        for user in ("1", "2", "2"):
            client = await WsClient.open(server.ws_url)
            await client.subscribe(
                "presence-room", **presence_auth(client.socket_id, "presence-room", user)
            )
            clients.append(client)

        everything = await asyncio.to_thread(api.channels_info)
        assert everything == {"channels": {"news": {}, "presence-room": {}}}
        presence = await asyncio.to_thread(api.channels_info, "presence-", ["user_count"])
        assert presence == {"channels": {"presence-room": {"user_count": 2}}}
        room = await asyncio.to_thread(
            api.channel_info, "presence-room", ["user_count", "subscription_count"]
        )
        assert room == {"occupied": True, "user_count": 2, "subscription_count": 3}
        news_info = await asyncio.to_thread(api.channel_info, "news", ["subscription_count"])
        assert news_info == {"occupied": True, "subscription_count": 1}
        empty = await asyncio.to_thread(api.channel_info, "nobody-here")
        assert empty == {"occupied": False}
        users = await asyncio.to_thread(api.users_info, "presence-room")
        assert sorted(u["id"] for u in users["users"]) == ["1", "2"]

    run(scenario())


def test_invalid_info_requests_are_400(server):
    api = server.api()
    with pytest.raises(PusherBadRequest):
        api.channels_info(attributes=["user_count"])
    with pytest.raises(PusherBadRequest):
        api.channel_info("news", ["user_count"])
    with pytest.raises(PusherBadRequest):
        api.users_info("news")


def test_limits_on_events(server):
    api = server.api()
    big = "x" * 10_241
    response = httpx.post(
        signed_url(server, "POST", "/apps/3/events", body := _body("e", ["news"], big)),
        content=body,
    )
    assert response.status_code == 413
    too_many = _body("e", [f"c{n}" for n in range(101)], "1")
    response = httpx.post(signed_url(server, "POST", "/apps/3/events", too_many), content=too_many)
    assert response.status_code == 400
    batch = json.dumps({"batch": [{"channel": "a", "name": "e", "data": "1"}] * 11}).encode()
    response = httpx.post(signed_url(server, "POST", "/apps/3/batch_events", batch), content=batch)
    assert response.status_code == 400
    with pytest.raises(PusherBadRequest):
        api.trigger("news", "pusher:internal", "1")


def test_a_bad_batch_publishes_nothing(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe("news")
        batch = json.dumps(
            {
                "batch": [
                    {"channel": "news", "name": "fine", "data": "1"},
                    {"channel": "bad channel", "name": "e", "data": "1"},
                ]
            }
        ).encode()
        url = signed_url(server, "POST", "/apps/3/batch_events", batch)
        response = await asyncio.to_thread(httpx.post, url, content=batch)
        assert response.status_code == 400
        await client.nothing()

    run(scenario())


@pytest.mark.parametrize("path", ["/apps/3/events", "/apps/3/batch_events"])
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 30_000,
        b'{"name":"e","channel":"news","data":' + b'{"a":' * 5_000 + b"1" + b"}" * 5_001,
        b'{"batch":[' + b"[" * 5_000 + b"]" * 5_000 + b"]}",
    ],
    ids=["arrays", "objects", "batch"],
)
def test_a_signed_deeply_nested_body_is_400_and_publishes_nothing(server, path, body):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe("news")
        url = signed_url(server, "POST", path, body)
        response = await asyncio.to_thread(httpx.post, url, content=body)
        assert response.status_code == 400
        assert "nested" in response.json()["error"]
        await client.nothing()

    run(scenario())


def client_for(server, app_id="3", key=KEY, secret=SECRET) -> pusher.Pusher:
    return pusher.Pusher(
        app_id=app_id, key=key, secret=secret, host="127.0.0.1", port=server.port, ssl=False
    )


def _body(name, channels, data) -> bytes:
    return json.dumps({"name": name, "channels": channels, "data": data}).encode()


def test_signature_body_md5_key_and_timestamp_are_checked(server):
    body = _body("e", ["news"], "1")
    path = "/apps/3/events"
    good = signed_url(server, "POST", path, body)
    assert httpx.post(good, content=body).status_code == 200

    wrong_signature = good.replace("auth_signature=", "auth_signature=0")
    assert httpx.post(wrong_signature, content=body).status_code == 401
    # Same signed query, different body: body_md5 no longer matches.
    assert httpx.post(good, content=_body("e", ["news"], "2")).status_code == 401
    # Far outside the ±600 s window, so that a slow machine cannot carry a request back in.
    old = signed_url(server, "POST", path, body, auth_timestamp=str(int(time.time()) - 3600))
    response = httpx.post(old, content=body)
    assert response.status_code == 401 and "Timestamp expired" in response.json()["error"]
    future = signed_url(server, "POST", path, body, auth_timestamp=str(int(time.time()) + 3600))
    assert httpx.post(future, content=body).status_code == 401
    # Well inside the window: a client whose clock is five minutes off is still served.
    skewed = signed_url(server, "POST", path, body, auth_timestamp=str(int(time.time()) - 300))
    assert httpx.post(skewed, content=body).status_code == 200
    other_key = client_for(server, key="other")
    with pytest.raises(PusherBadAuth):
        other_key.trigger("news", "e", "1")
    wrong_secret = client_for(server, secret="nope")
    with pytest.raises(PusherBadAuth):
        wrong_secret.trigger("news", "e", "1")
    unsigned = httpx.post(f"{server.url}{path}", content=body)
    assert unsigned.status_code == 401


def test_the_protocol_documents_rest_vector_is_accepted(server):
    """§16: the documented request, at its documented time, passes our check."""
    body = b'{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}'
    url = (
        f"{server.url}/apps/3/events?auth_key={KEY}&auth_timestamp=1353088179&auth_version=1.0"
        "&body_md5=ec365a775a4cd0599faeb73354201b6f"
        "&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
    )
    assert httpx.post(url, content=body).status_code == 401  # today it is too old
    with clock.frozen_at(datetime.fromtimestamp(1353088179 + 30, tz=UTC)):
        response = httpx.post(url, content=body)
    assert response.status_code == 200 and response.json() == {}


def test_unknown_app_and_unknown_paths_are_404(server):
    other = client_for(server, app_id="999")
    with pytest.raises(PusherBadStatus):
        other.trigger("news", "e", "1")
    assert httpx.get(f"{server.url}/apps/3/nothing").status_code == 404
    assert httpx.get(f"{server.url}/apps/3/events").status_code == 405


def test_terminate_works_at_both_paths(server):
    api = server.api()

    async def signed_in(user_id):
        client = await WsClient.open(server.ws_url)
        user = pusher.Pusher(app_id="3", key=KEY, secret=SECRET).authenticate_user(
            client.socket_id, {"id": user_id}
        )
        await client.send("pusher:signin", user)
        await client.expect("pusher:signin_success")
        return client

    async def scenario():
        first = await signed_in("5")
        # The library's own path: /users/{id}/terminate_connections.
        await asyncio.to_thread(api.terminate_user_connections, "5")
        assert await first.closed_with() == 4009
        second = await signed_in("5")
        path = "/apps/3/users/5/terminate_connections"
        response = await asyncio.to_thread(httpx.post, signed_url(server, "POST", path))
        assert response.status_code == 200 and response.json() == {}
        assert await second.closed_with() == 4009

    run(scenario())
