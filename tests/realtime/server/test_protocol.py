"""The WebSocket protocol, frame by frame, against a real server on a socket."""

import asyncio
import json
import re

import pytest

from switchboard.realtime.server import signing
from switchboard.realtime.server.broker import Message
from tests.realtime.server.support import (
    KEY,
    SECRET,
    ThreadServer,
    WsClient,
    make_config,
    presence_auth,
    private_auth,
    signer,
)
from tests.realtime.support import run
from tests.support.wait import wait_until_async


def test_handshake_gives_a_socket_id_and_an_activity_timeout(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        data = json.loads(client.established["data"])
        assert client.established["event"] == "pusher:connection_established"
        assert re.fullmatch(r"\d+\.\d+", data["socket_id"])
        assert data["activity_timeout"] == server.config.activity_timeout > 0
        other = await WsClient.open(server.ws_url)
        assert other.socket_id != client.socket_id

    run(scenario())


@pytest.mark.parametrize(
    ("key", "query", "code"),
    [
        ("wrong-key", "protocol=7", 4001),
        (KEY, "protocol=4", 4007),
        (KEY, "protocol=seven", 4006),
    ],
)
def test_refused_connections_get_an_error_then_that_close_code(server, key, query, code):
    async def scenario():
        client = await WsClient.open(server.ws_url, key=key, query=query)
        assert client.established["event"] == "pusher:error"
        assert client.established["data"]["code"] == code
        assert await client.closed_with() == code

    run(scenario())
    assert server.realtime.connections == {}


def test_protocol_5_and_6_and_a_missing_version_are_accepted(server):
    async def scenario():
        for query in ("protocol=5", "protocol=6", "client=js"):
            client = await WsClient.open(server.ws_url, query=query)
            assert client.established["event"] == "pusher:connection_established"

    run(scenario())


def test_over_the_connection_limit_the_client_is_told_to_back_off():
    with ThreadServer(make_config(max_connections=2)) as server:

        async def scenario():
            await WsClient.open(server.ws_url)
            await WsClient.open(server.ws_url)
            third = await WsClient.open(server.ws_url)
            assert third.established["data"]["code"] == 4100
            assert await third.closed_with() == 4100

        run(scenario())


def test_ping_gets_pong(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.send("pusher:ping")
        assert (await client.next()) == {"event": "pusher:pong", "data": {}}

    run(scenario())


def test_public_subscribe_and_events_from_the_api(server):
    api = server.api()

    async def scenario():
        client = await WsClient.open(server.ws_url)
        ok = await client.subscribe("news")
        assert ok["data"] == "{}"
        await asyncio.to_thread(api.trigger, "news", "headline", {"n": 1})
        frame = await client.expect("headline", "news")
        assert json.loads(frame["data"]) == {"n": 1}
        await client.send("pusher:unsubscribe", {"channel": "news"})
        await wait_until_async(lambda: server.realtime.stats()["channels"] == 0)
        await asyncio.to_thread(api.trigger, "news", "headline", {"n": 2})
        await client.nothing()

    run(scenario())


def test_a_repeated_subscribe_is_confirmed_again(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe("news")
        await client.subscribe("news")
        assert server.realtime.stats()["channels"] == 1

    run(scenario())


def test_private_subscribe_needs_the_right_signature(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.send(
            "pusher:subscribe", {"channel": "private-room", "auth": f"{KEY}:{'0' * 64}"}
        )
        refused = await client.expect("pusher:subscription_error", "private-room")
        expected = f"{client.socket_id}:private-room"
        assert refused["data"]["status"] == 401
        assert refused["data"]["type"] == "AuthError"
        assert f"Expected HMAC SHA256 hex digest of {expected}" in refused["data"]["error"]
        # The connection stays open and can subscribe properly.
        await client.subscribe("private-room", **private_auth(client.socket_id, "private-room"))

    run(scenario())


def test_a_signature_for_another_socket_is_refused(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        stolen = private_auth("1.1", "private-room")
        await client.send("pusher:subscribe", {"channel": "private-room", **stolen})
        await client.expect("pusher:subscription_error", "private-room")
        assert "private-room" not in server.realtime.subscriptions.subscribers

    run(scenario())


def test_invalid_channel_names_are_refused(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.send("pusher:subscribe", {"channel": "bad channel!"})
        refused = await client.expect("pusher:subscription_error")
        assert refused["data"]["status"] == 400
        await client.send("pusher:subscribe", {"channel": "x" * 201})
        await client.expect("pusher:subscription_error")
        await client.send("pusher:subscribe", {})
        await client.expect("pusher:error")

    run(scenario())


def test_presence_members_are_per_user_not_per_tab(server):
    channel = "presence-room"

    async def join(user_id, name):
        client = await WsClient.open(server.ws_url)
        auth = presence_auth(client.socket_id, channel, user_id, {"name": name})
        ok = await client.subscribe(channel, **auth)
        return client, json.loads(ok["data"])["presence"]

    async def scenario():
        alice, first = await join("1", "Alice")
        assert first == {"ids": ["1"], "hash": {"1": {"name": "Alice"}}, "count": 1}
        bob, second = await join("2", "Bob")
        assert second["count"] == 2 and set(second["ids"]) == {"1", "2"}
        added = await alice.expect("pusher_internal:member_added", channel)
        assert json.loads(added["data"]) == {"user_id": "2", "user_info": {"name": "Bob"}}
        # Bob's second tab: no new member for Alice.
        bob_tab, third = await join("2", "Bob")
        assert third["count"] == 2
        await alice.nothing()
        # Closing one of Bob's tabs removes nobody; closing the last one removes Bob.
        await bob_tab.close()
        await alice.nothing()
        await bob.close()
        removed = await alice.expect("pusher_internal:member_removed", channel)
        assert json.loads(removed["data"]) == {"user_id": "2"}

    run(scenario())


def test_presence_needs_channel_data_with_a_user_id(server):
    channel = "presence-room"

    async def scenario():
        client = await WsClient.open(server.ws_url)
        bare = private_auth(client.socket_id, channel)
        await client.send("pusher:subscribe", {"channel": channel, **bare})
        await client.expect("pusher:subscription_error", channel)
        no_id = signer().authenticate(channel, client.socket_id, custom_data={"user_id": ""})
        await client.send("pusher:subscribe", {"channel": channel, **no_id})
        await client.expect("pusher:subscription_error", channel)

    run(scenario())


def test_a_full_presence_channel_refuses_new_users_but_not_their_other_tabs():
    with ThreadServer(make_config(max_presence_members=1)) as server:
        channel = "presence-small"

        async def scenario():
            first = await WsClient.open(server.ws_url)
            await first.subscribe(channel, **presence_auth(first.socket_id, channel, "1"))
            tab = await WsClient.open(server.ws_url)
            await tab.subscribe(channel, **presence_auth(tab.socket_id, channel, "1"))
            other = await WsClient.open(server.ws_url)
            await other.send(
                "pusher:subscribe",
                {"channel": channel, **presence_auth(other.socket_id, channel, "2")},
            )
            refused = await other.expect("pusher:subscription_error", channel)
            assert refused["data"]["type"] == "LimitReached"

        run(scenario())


def test_oversized_presence_user_data_is_refused():
    with ThreadServer(make_config(max_presence_user_bytes=64)) as server:
        channel = "presence-room"

        async def scenario():
            client = await WsClient.open(server.ws_url)
            auth = presence_auth(client.socket_id, channel, "1", {"bio": "x" * 100})
            await client.send("pusher:subscribe", {"channel": channel, **auth})
            refused = await client.expect("pusher:subscription_error", channel)
            assert refused["data"]["type"] == "LimitReached"

        run(scenario())


def test_signin_then_user_channel_and_events_sent_to_the_user(server):
    api = server.api()

    async def scenario():
        client = await WsClient.open(server.ws_url)
        signed = signer().authenticate_user(client.socket_id, {"id": "42", "watchlist": ["7"]})
        await client.send("pusher:signin", signed)
        success = await client.expect("pusher:signin_success")
        assert success["data"] == {"user_data": signed["user_data"]}
        watch = await client.expect("pusher_internal:watchlist_events")
        assert json.loads(watch["data"]) == {"events": [{"name": "offline", "user_ids": ["7"]}]}
        await client.subscribe("#server-to-user-42", auth="")
        await asyncio.to_thread(api.send_to_user, "42", "note", {"hi": 1})
        assert json.loads((await client.expect("note", "#server-to-user-42"))["data"]) == {"hi": 1}
        # Another user's channel is refused.
        await client.send("pusher:subscribe", {"channel": "#server-to-user-43", "auth": ""})
        await client.expect("pusher:subscription_error", "#server-to-user-43")

        # User 7 comes online: the watcher is told, and told again when 7 leaves.
        seven = await WsClient.open(server.ws_url)
        await seven.send("pusher:signin", signer().authenticate_user(seven.socket_id, {"id": "7"}))
        await seven.expect("pusher:signin_success")
        online = await client.expect("pusher_internal:watchlist_events")
        assert json.loads(online["data"]) == {"events": [{"name": "online", "user_ids": ["7"]}]}
        await seven.close()
        offline = await client.expect("pusher_internal:watchlist_events")
        assert json.loads(offline["data"]) == {"events": [{"name": "offline", "user_ids": ["7"]}]}

    run(scenario())


def test_a_bad_signin_is_refused_and_the_connection_kept(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.send("pusher:signin", {"auth": f"{KEY}:{'0' * 64}", "user_data": '{"id":"1"}'})
        assert (await client.expect("pusher:error"))["data"]["code"] == 4009
        # Correctly signed, but the id is a number: pusher-js and we need a string.
        user_data = '{"id":1}'
        string = signing.user_string(client.socket_id, user_data)
        numeric = {"auth": signing.token(KEY, SECRET, string), "user_data": user_data}
        await client.send("pusher:signin", numeric)
        assert (await client.expect("pusher:error"))["data"]["code"] == 4009
        await client.send("pusher:ping")
        await client.expect("pusher:pong")

    run(scenario())


def test_terminate_connections_closes_every_connection_of_the_user(server):
    api = server.api()

    async def scenario():
        tabs = []
        for _ in range(2):
            tab = await WsClient.open(server.ws_url)
            await tab.send("pusher:signin", signer().authenticate_user(tab.socket_id, {"id": "9"}))
            await tab.expect("pusher:signin_success")
            tabs.append(tab)
        bystander = await WsClient.open(server.ws_url)
        await asyncio.to_thread(api.terminate_user_connections, "9")
        for tab in tabs:
            assert (await tab.expect("pusher:error"))["data"]["code"] == 4009
            assert await tab.closed_with() == 4009
        await bystander.send("pusher:ping")
        await bystander.expect("pusher:pong")

    run(scenario())


def test_cache_channels_replay_the_last_event_or_say_miss(server):
    api = server.api()

    async def scenario():
        first = await WsClient.open(server.ws_url)
        await first.subscribe("cache-prices")
        await first.expect("pusher:cache_miss", "cache-prices")
        await asyncio.to_thread(api.trigger, "cache-prices", "price", {"eur": 1})
        await first.expect("price")
        late = await WsClient.open(server.ws_url)
        await late.subscribe("cache-prices")
        cached = await late.expect("price", "cache-prices")
        assert json.loads(cached["data"]) == {"eur": 1}
        info = await asyncio.to_thread(api.channel_info, "cache-prices", ["cache"])
        assert json.loads(info["cache"]["data"]) == {"eur": 1}
        assert 0 < info["cache"]["ttl"] <= server.config.cache_ttl_seconds

    run(scenario())


def test_silent_clients_are_probed_then_closed_with_4201():
    # The pong may take a while to arrive on a busy machine; it must not be taken for silence.
    with ThreadServer(make_config(activity_timeout=1, pong_timeout=5)) as server:

        async def scenario():
            client = await WsClient.open(server.ws_url)
            await client.expect("pusher:ping")
            # Answering keeps it open; staying silent after the next probe closes it.
            await client.send("pusher:pong")
            await client.expect("pusher:ping")
            error = await client.expect("pusher:error")
            assert error["data"]["code"] == 4201
            assert await client.closed_with() == 4201

        run(scenario())


def test_shutdown_closes_clients_with_4200(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe("news")
        await asyncio.to_thread(server.call, server.realtime.begin_shutdown)
        assert await client.closed_with() == 4200
        late = await WsClient.open(server.ws_url)
        assert late.established["data"]["code"] == 4200

    run(scenario())


def test_disconnect_cleans_up_everything(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe("news")
        await client.subscribe("presence-x", **presence_auth(client.socket_id, "presence-x", "5"))
        await client.send(
            "pusher:signin", signer().authenticate_user(client.socket_id, {"id": "5"})
        )
        await client.expect("pusher:signin_success")
        await client.close()

    run(scenario())
    realtime = server.realtime
    from tests.realtime.support import wait_until

    wait_until(lambda: not realtime.connections)
    assert realtime.subscriptions.subscribers == {} and realtime.users.connections == {}
    assert server.call(realtime.state.channels) == {}
    assert server.call(realtime.state.members, "presence-x") == {}


def test_a_client_that_stops_reading_is_dropped_without_holding_up_others():
    with ThreadServer(make_config(max_pending_frames=200)) as server:
        payload = json.dumps({"pad": "x" * 9000})

        async def scenario():
            reader = await WsClient.open(server.ws_url)
            await reader.subscribe("firehose")
            stalled = await WsClient.open(server.ws_url)
            await stalled.subscribe("firehose")
            stalled.ws.transport.pause_reading()  # the kernel buffers fill, then ours
            batch = [Message(channel="firehose", event="e", data=payload)] * 50

            async def publish():
                for _ in range(40):  # 18 MB in all, more than the socket buffers hold
                    server.realtime.broker.publish_from_thread(batch)
                    await asyncio.sleep(0.05)

            publishing = asyncio.create_task(publish())
            for _ in range(2000):
                await reader.expect("e", "firehose")
            await publishing
            dropped = server.realtime.connections[stalled.socket_id].closed
            stalled.ws.transport.abort()
            return dropped

        assert run(scenario(), timeout=240) is True
