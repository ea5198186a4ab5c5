"""Two application processes sharing a Redis started here: one set of channels and
members, whichever process a client or a publisher talks to; a process killed with -9
takes its members with it within the node TTL."""

import asyncio
import json
import signal

import pytest
from django.conf import settings

from tests.realtime.server.support import WsClient, api_client, make_config, presence_auth
from tests.realtime.support import LiveApp, RedisProcess, run

pytestmark = pytest.mark.e2e

CHANNEL = "presence-room"


@pytest.fixture
def redis_url():
    process = RedisProcess().start()
    yield process.url
    process.stop()


@pytest.fixture
def pair(transactional_db, redis_url):
    # Short enough to watch a reap, long enough that a busy machine never takes A for dead.
    env = {"REALTIME_NODE_TTL_SECONDS": "5"}
    apps = [LiveApp(redis_url=redis_url, env=env).start() for _ in range(2)]
    yield apps
    for app in apps:
        app.cleanup()


def config():
    app = settings.PUSHER_APP
    return make_config().with_changes(
        app_id=str(app["app_id"]), key=app["key"], secret=app["secret"]
    )


def ws_url(app) -> str:
    return f"ws://127.0.0.1:{app.port}"


async def join(app, user_id):
    client = await WsClient.open(ws_url(app), key=config().key)
    auth = presence_auth(client.socket_id, CHANNEL, user_id, {"name": f"user {user_id}"}, config())
    ok = await client.subscribe(CHANNEL, **auth)
    return client, json.loads(ok["data"])["presence"]


def test_an_event_published_through_b_reaches_a_client_on_a(pair):
    a, b = pair

    async def scenario():
        client = await WsClient.open(ws_url(a), key=config().key)
        await client.subscribe("news")
        await asyncio.to_thread(api_client(config(), b.port).trigger, "news", "from-b", {"x": 1})
        got = await client.expect("from-b", "news")
        assert json.loads(got["data"]) == {"x": 1}

    run(scenario())


def test_presence_is_the_same_from_both_processes_and_survives_a_kill(pair):
    a, b = pair

    async def scenario():
        on_a, _ = await join(a, "1")
        on_b, seen_from_b = await join(b, "2")
        assert sorted(seen_from_b["ids"]) == ["1", "2"]
        added = await on_a.expect("pusher_internal:member_added", CHANNEL)
        assert json.loads(added["data"])["user_id"] == "2"
        for app in (a, b):
            users = await asyncio.to_thread(api_client(config(), app.port).users_info, CHANNEL)
            assert sorted(u["id"] for u in users["users"]) == ["1", "2"]
        # B dies without any clean-up; A notices its silence and removes its member.
        await asyncio.to_thread(b.stop, signal.SIGKILL)
        removed = await on_a.expect("pusher_internal:member_removed", CHANNEL)
        assert json.loads(removed["data"]) == {"user_id": "2"}
        users = await asyncio.to_thread(api_client(config(), a.port).users_info, CHANNEL)
        assert [u["id"] for u in users["users"]] == ["1"]
        del on_b

    run(scenario())
