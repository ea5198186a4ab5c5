"""Client events (`client-*`): only on presence channels, only from subscribers, bounded."""

import json

import pytest

from tests.realtime.server.support import WsClient, presence_auth, private_auth
from tests.realtime.support import run


async def presence_pair(server, channel: str):
    """Two clients on `channel` (users 1 and 2), the first having seen the second arrive."""
    sender = await WsClient.open(server.ws_url)
    await sender.subscribe(channel, **presence_auth(sender.socket_id, channel, "1"))
    receiver = await WsClient.open(server.ws_url)
    await receiver.subscribe(channel, **presence_auth(receiver.socket_id, channel, "2"))
    await sender.expect("pusher_internal:member_added", channel)
    return sender, receiver


def test_client_events_reach_other_subscribers_only(server):
    channel = "presence-chat"

    async def scenario():
        sender, receiver = await presence_pair(server, channel)
        await sender.send("client-typing", {"who": "me"}, channel=channel)
        got = await receiver.expect("client-typing", channel)
        assert json.loads(got["data"]) == {"who": "me"}
        assert got["user_id"] == "1"
        await sender.nothing()
        # A string payload (as pusher-websocket-java sends) is passed on as it is.
        await sender.send("client-typing", '{"as":"string"}', channel=channel)
        assert (await receiver.expect("client-typing", channel))["data"] == '{"as":"string"}'

    run(scenario())


@pytest.mark.parametrize(
    "channel", ["private-org-acme", "private-chat", "private-cache-chat", "private-encrypted-x"]
)
def test_client_events_on_private_channels_are_refused_and_not_delivered(server, channel):
    # On the organisation channel every member listens: a client event there would let any
    # member put words in the server's mouth for everyone.
    async def scenario():
        sender, receiver = await WsClient.open(server.ws_url), await WsClient.open(server.ws_url)
        for client in (sender, receiver):
            await client.subscribe(channel, auth=private_auth(client.socket_id, channel)["auth"])
            if "cache" in channel:
                await client.expect("pusher:cache_miss", channel)
        await sender.send("client-forged", {"event_id": 999}, channel=channel)
        error = await sender.expect("pusher:error")
        assert error["data"]["code"] == 4301
        assert "presence" in error["data"]["message"]
        await receiver.nothing()
        # The connection stays open.
        await sender.send("pusher:ping")
        await sender.expect("pusher:pong")

    run(scenario())


def test_client_events_are_refused_where_they_do_not_belong(server):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe("public-room")
        await client.send("client-x", {}, channel="public-room")
        assert (await client.expect("pusher:error"))["data"]["code"] == 4301
        # Not subscribed to the presence channel.
        await client.send("client-x", {}, channel="presence-elsewhere")
        assert "Not subscribed" in (await client.expect("pusher:error"))["data"]["message"]
        # No channel at all.
        await client.send("client-x", {})
        await client.expect("pusher:error")

    run(scenario())


def test_client_event_rate_limit_answers_4301_and_keeps_the_connection(server):
    channel = "presence-chat"

    async def scenario():
        sender, receiver = await presence_pair(server, channel)
        for n in range(12):
            await sender.send("client-n", {"n": n}, channel=channel)
        errors = [await sender.expect("pusher:error") for _ in range(2)]
        assert {e["data"]["code"] for e in errors} == {4301}
        assert all("rate limit" in e["data"]["message"] for e in errors)
        received = [json.loads((await receiver.expect("client-n"))["data"])["n"] for _ in range(10)]
        assert received == list(range(10))
        await receiver.nothing()
        await sender.send("pusher:ping")
        await sender.expect("pusher:pong")

    run(scenario())


def test_client_event_data_over_the_limit_is_refused(server):
    channel = "presence-chat"

    async def scenario():
        sender, receiver = await presence_pair(server, channel)
        await sender.send("client-big", {"x": "y" * 10_300}, channel=channel)
        assert "over" in (await sender.expect("pusher:error"))["data"]["message"]
        await receiver.nothing()

    run(scenario())
