"""Input built to break the server: each gets its protocol answer, one log line at most,
and no traceback; the connection survives whenever the protocol lets it."""

import contextlib
import json
import logging
from urllib.parse import quote

import pytest

from switchboard.realtime.server.signing import hmac_hex
from tests.realtime.server.support import KEY, SECRET, WsClient, presence_auth
from tests.realtime.support import run

DEEP_ARRAY = "[" * 30_000  # 30 KB, under the 64 KB frame limit


@contextlib.contextmanager
def uvicorn_logs_captured(caplog):
    """uvicorn's error log does not reach the root logger; listen to it directly."""
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(caplog.handler)
    try:
        yield
    finally:
        logger.removeHandler(caplog.handler)


# "\u0667" is the Arabic-Indic digit seven, which str.isdigit() and int() accept.
@pytest.mark.parametrize("version", ["²", "\u0667", "7²", "¹⁰", "7 ", "+7", "0x7"])
def test_a_protocol_version_that_is_not_ascii_digits_closes_with_4006(server, caplog, version):
    caplog.set_level(logging.INFO)

    async def scenario():
        query = f"protocol={quote(version)}&client=py"
        client = await WsClient.open(server.ws_url, query=query)
        assert client.established["event"] == "pusher:error"
        assert client.established["data"]["code"] == 4006
        assert await client.closed_with() == 4006

    with uvicorn_logs_captured(caplog):
        run(scenario())
    assert [r for r in caplog.records if r.exc_info] == []
    refusals = [r.getMessage() for r in caplog.records if "realtime_refused" in r.getMessage()]
    assert len(refusals) == 1 and "code=4006" in refusals[0]
    assert server.realtime.connections == {}


def test_a_huge_protocol_number_is_unsupported_not_a_crash(server, caplog):
    async def scenario():
        client = await WsClient.open(server.ws_url, query="protocol=" + "7" * 5000)
        assert await client.closed_with() == 4007

    with uvicorn_logs_captured(caplog):
        run(scenario())
    assert [r for r in caplog.records if r.exc_info] == []


@pytest.mark.parametrize(
    "frame",
    [DEEP_ARRAY, '{"event":"pusher:ping","data":' + '{"a":' * 10_000, "[" * 33 + "]" * 33],
)
def test_a_deeply_nested_frame_is_malformed_and_the_connection_stays(server, caplog, frame):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.send_raw(frame)
        error = await client.expect("pusher:error")
        assert error["data"]["code"] is None
        assert error["data"]["message"].startswith("Malformed message")
        await client.send("pusher:ping")
        await client.expect("pusher:pong")

    with uvicorn_logs_captured(caplog):
        run(scenario())
    assert [r for r in caplog.records if r.exc_info] == []


def test_nesting_within_the_limit_is_accepted(server):
    channel = "presence-deep"
    info = {"level": 1}
    for level in range(2, 30):
        info = {"level": level, "inner": info}

    async def scenario():
        client = await WsClient.open(server.ws_url)
        auth = presence_auth(client.socket_id, channel, "1", info)
        answer = await client.subscribe(channel, **auth)
        assert json.loads(answer["data"])["presence"]["hash"]["1"] == info

    run(scenario())


def test_deep_json_inside_the_data_strings_is_refused_in_protocol(server, caplog):
    async def scenario():
        client = await WsClient.open(server.ws_url)
        # `data` as a JSON string of the subscribe object, nested too deep.
        await client.send_raw(json.dumps({"event": "pusher:subscribe", "data": DEEP_ARRAY}))
        await client.expect("pusher:error")
        # Presence channel_data, correctly signed, nested too deep (and under 1 KB).
        channel = "presence-room"
        channel_data = '{"user_id":"1","user_info":' + "[" * 400 + "]" * 400 + "}"
        string = f"{client.socket_id}:{channel}:{channel_data}"
        auth = f"{KEY}:{_hmac(string)}"
        subscribe = {"channel": channel, "auth": auth, "channel_data": channel_data}
        await client.send("pusher:subscribe", subscribe)
        refused = await client.expect("pusher:subscription_error", channel)
        assert refused["data"]["status"] in (401, 4009)
        # Sign-in user_data, correctly signed, nested too deep.
        user_data = '{"id":"1","user_info":' + "[" * 400 + "]" * 400 + "}"
        auth = f"{KEY}:{_hmac(f'{client.socket_id}::user::{user_data}')}"
        await client.send("pusher:signin", {"auth": auth, "user_data": user_data})
        assert (await client.expect("pusher:error"))["data"]["code"] == 4009
        await client.send("pusher:ping")
        await client.expect("pusher:pong")

    with uvicorn_logs_captured(caplog):
        run(scenario())
    assert [r for r in caplog.records if r.exc_info] == []


def _hmac(string: str) -> str:
    return hmac_hex(SECRET, string)
