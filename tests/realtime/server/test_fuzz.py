"""Protocol fuzz: whatever a client sends, the server answers in protocol, closes only for
oversized frames, and keeps serving everyone else."""

import asyncio
import contextlib
import json
import time

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.realtime.server.support import ThreadServer, WsClient, make_config
from tests.realtime.support import run, wait_until
from tests.support.wait import TIMEOUT

MAX_FRAME = 4096

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
event_names = st.sampled_from(
    [
        "pusher:subscribe",
        "pusher:unsubscribe",
        "pusher:signin",
        "pusher:ping",
        "pusher:pong",
        "pusher:bogus",
        "pusher_internal:member_added",
        "client-x",
        "anything",
    ]
) | st.text(max_size=30)
channel_names = st.sampled_from(
    ["news", "private-a", "presence-b", "private-encrypted-c", "cache-d", "#server-to-user-1"]
) | st.text(max_size=30)
subscribe_data = st.fixed_dictionaries(
    {"channel": channel_names},
    optional={"auth": st.text(max_size=80), "channel_data": st.text(max_size=80) | json_values},
)
messages = st.fixed_dictionaries(
    {"event": event_names},
    optional={"data": json_values | subscribe_data, "channel": channel_names},
)
frames = st.one_of(
    st.text(max_size=200),  # mostly not JSON at all
    json_values.map(json.dumps),
    messages.map(json.dumps),
    st.binary(max_size=200),
    messages.map(lambda m: json.dumps(m).encode()),  # JSON in a binary frame
)


@pytest.fixture(scope="module")
def fuzz_server():
    with ThreadServer(make_config(max_frame_bytes=MAX_FRAME)) as server:
        yield server


def check_frame(raw) -> dict:
    frame = json.loads(raw)
    assert isinstance(frame, dict) and isinstance(frame["event"], str), frame
    if frame["event"] == "pusher:error":
        assert isinstance(frame["data"]["message"], str)
        # No code that would make a client give up: only plain errors, a refused sign-in
        # (4009, sent as a message) and the rate limits.
        assert frame["data"]["code"] in {None, 4009, 4301, 4302}, frame
    elif frame["event"] == "pusher:subscription_error":
        assert frame["data"]["type"] in {"AuthError", "InvalidChannel", "LimitReached"}
    else:
        assert frame["event"] in {
            "pusher:pong",
            "pusher_internal:subscription_succeeded",
            "pusher:cache_miss",
            "pusher:signin_success",
        }, frame
    return frame


async def answers_until_pong(client: WsClient) -> list[dict]:
    """Every frame before the answer to a ping: frames are answered in order, so these are
    all the answers to what was sent before it. A ping the frame-rate limit dropped, or one
    still queued behind a flood, is simply sent again."""
    seen = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        await client.send("pusher:ping")
        with contextlib.suppress(TimeoutError):
            while True:
                frame = check_frame(await asyncio.wait_for(client.ws.recv(), 2.0))
                if frame["event"] == "pusher:pong":
                    return seen
                seen.append(frame)
    raise AssertionError(f"no pong within {TIMEOUT} s; seen {seen[-10:]}")


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(frames, min_size=1, max_size=5))
def test_any_frames_get_protocol_answers_and_the_server_keeps_serving(fuzz_server, batch):
    async def scenario():
        client = await WsClient.open(fuzz_server.ws_url)
        for frame in batch:
            await client.send_raw(frame)
        # Frames are answered in order: whatever the batch caused arrives before the pong,
        # and the pong shows the connection is still open and in protocol.
        await client.send("pusher:ping")
        while check_frame(await client.ws.recv())["event"] != "pusher:pong":
            pass
        await client.close()

    run(scenario())


def test_oversized_frames_close_with_1009_and_others_carry_on(fuzz_server):
    async def scenario():
        bystander = await WsClient.open(fuzz_server.ws_url)
        await bystander.subscribe("news")
        client = await WsClient.open(fuzz_server.ws_url)
        await client.send_raw(json.dumps({"event": "client-x", "data": "y" * MAX_FRAME}))
        assert await client.closed_with() == 1009
        multibyte = await WsClient.open(fuzz_server.ws_url)
        await multibyte.send_raw("é" * (MAX_FRAME // 2 + 1))  # few characters, many bytes
        assert await multibyte.closed_with() == 1009
        await asyncio.to_thread(fuzz_server.api().trigger, "news", "still-here", {})
        await bystander.expect("still-here", "news")
        await bystander.close()

    run(scenario())


def test_unknown_events_and_bad_json_get_errors_not_disconnects(fuzz_server):
    async def scenario():
        client = await WsClient.open(fuzz_server.ws_url)
        for raw in ("{not json", "[]", '{"event": 5}', '{"event":"pusher:bogus"}', '{"event":"x"}'):
            await client.send_raw(raw)
            error = await client.expect("pusher:error")
            assert error["data"]["code"] is None
        await client.send_raw(b"\xff\xfe")
        assert "Binary" in (await client.expect("pusher:error"))["data"]["message"]
        await client.send_raw(json.dumps({"event": "pusher:ping"}).encode())
        await client.expect("pusher:pong")
        await client.close()

    run(scenario())


def test_a_subscribe_flood_is_bounded_and_answered():
    # Limits far below the flood, so that it overruns them however slowly it is read.
    config = make_config(max_channels_per_connection=5, frames_per_second=10)
    with ThreadServer(config) as server:

        async def scenario():
            bystander = await WsClient.open(server.ws_url)
            await bystander.subscribe("news")
            client = await WsClient.open(server.ws_url)
            for n in range(300):
                await client.send("pusher:subscribe", {"channel": f"flood-{n}"})
            # Answered again once the flood is over: a ping gets its pong.
            frames = await answers_until_pong(client)
            succeeded = [
                f for f in frames if f["event"] == "pusher_internal:subscription_succeeded"
            ]
            limited = [f for f in frames if f["event"] == "pusher:subscription_error"]
            throttled = [f for f in frames if f["event"] == "pusher:error"]
            assert len(succeeded) == config.max_channels_per_connection
            assert all(f["data"]["type"] == "LimitReached" for f in limited)
            assert throttled and {f["data"]["code"] for f in throttled} == {4301}
            assert len(succeeded) + len(limited) + 1 <= 300
            channels = server.realtime.connections[client.socket_id].channels
            assert len(channels) == config.max_channels_per_connection
            await asyncio.to_thread(server.api().trigger, "news", "fine", {})
            await bystander.expect("fine", "news")
            await client.close()
            await bystander.close()

        run(scenario())


def test_clients_that_vanish_are_forgotten():
    with ThreadServer() as server:

        async def scenario():
            for _ in range(20):
                ws = await websockets.connect(f"{server.ws_url}/app/{server.config.key}")
                ws.transport.abort()
            client = await WsClient.open(server.ws_url)
            await client.send("pusher:ping")
            await client.expect("pusher:pong")
            await asyncio.to_thread(wait_until, lambda: len(server.realtime.connections) == 1)

        run(scenario())
