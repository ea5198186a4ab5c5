"""Several server processes sharing Redis: one view of channels, members and users, and
a dead process's members removed by the survivors."""

import asyncio
import json

from switchboard.realtime.server.broker import RedisBroker
from tests.realtime.server.support import ThreadServer, WsClient, make_config, presence_auth, signer
from tests.realtime.support import run

CHANNEL = "presence-room"


def redis_server(redis_url, **changes) -> ThreadServer:
    return ThreadServer(make_config(**changes), broker=RedisBroker(redis_url))


async def join(server, user_id, name=None):
    client = await WsClient.open(server.ws_url)
    info = {"name": name} if name else None
    ok = await client.subscribe(CHANNEL, **presence_auth(client.socket_id, CHANNEL, user_id, info))
    return client, json.loads(ok["data"])["presence"]


def resume_heartbeat(state) -> None:
    """Run on the server's loop: the process beats again, as it does once it is not slow."""
    state._heartbeat = asyncio.get_running_loop().create_task(state._beat_forever())


def test_presence_is_the_same_from_both_processes(redis_url):
    with redis_server(redis_url) as a, redis_server(redis_url) as b:

        async def scenario():
            alice, _ = await join(a, "1", "Alice")
            bob, seen_by_bob = await join(b, "2", "Bob")
            assert seen_by_bob["hash"] == {"1": {"name": "Alice"}, "2": {"name": "Bob"}}
            added = await alice.expect("pusher_internal:member_added", CHANNEL)
            assert json.loads(added["data"])["user_id"] == "2"
            # Bob's second tab, on the other process: not a new member anywhere.
            bob_tab, _ = await join(a, "2", "Bob")
            await alice.nothing()
            for server in (a, b):
                users = await asyncio.to_thread(server.api().users_info, CHANNEL)
                assert sorted(u["id"] for u in users["users"]) == ["1", "2"]
                info = await asyncio.to_thread(
                    server.api().channel_info, CHANNEL, ["user_count", "subscription_count"]
                )
                assert info == {"occupied": True, "user_count": 2, "subscription_count": 3}
            await bob.close()
            await alice.nothing()
            await bob_tab.close()
            removed = await alice.expect("pusher_internal:member_removed", CHANNEL)
            assert json.loads(removed["data"]) == {"user_id": "2"}

        run(scenario())


def test_client_events_cross_processes_and_terminate_reaches_every_process(redis_url):
    with redis_server(redis_url) as a, redis_server(redis_url) as b:

        async def scenario():
            sender, _ = await join(a, "1")
            receiver, _ = await join(b, "2")
            await sender.expect("pusher_internal:member_added")
            await sender.send("client-wave", {"hi": 1}, channel=CHANNEL)
            got = await receiver.expect("client-wave", CHANNEL)
            assert got["user_id"] == "1"
            await sender.nothing()
            signed = await WsClient.open(a.ws_url)
            await signed.send(
                "pusher:signin", signer().authenticate_user(signed.socket_id, {"id": "9"})
            )
            await signed.expect("pusher:signin_success")
            await asyncio.to_thread(b.api().terminate_user_connections, "9")
            assert await signed.closed_with() == 4009

        run(scenario())


def test_a_dead_process_members_are_removed_by_a_survivor(redis_url):
    # Both start with the usual node TTL, so that neither is taken for dead while the test
    # sets up however busy the machine is.
    with redis_server(redis_url) as a, redis_server(redis_url) as b:

        async def scenario():
            watcher, _ = await join(a, "1")
            ghost, _ = await join(b, "2")
            await watcher.expect("pusher_internal:member_added")
            # Process B stops heart-beating, as if it had died with its clients connected;
            # A is made impatient so that it notices soon.
            await asyncio.to_thread(b.call, lambda: b.realtime.state._heartbeat.cancel())
            ttl = a.realtime.state.ttl
            a.realtime.state.ttl = 0.5
            removed = await watcher.expect("pusher_internal:member_removed", CHANNEL)
            a.realtime.state.ttl = ttl
            assert json.loads(removed["data"]) == {"user_id": "2"}
            users = await asyncio.to_thread(a.api().users_info, CHANNEL)
            assert [u["id"] for u in users["users"]] == ["1"]
            # B was only slow: its next beat finds it was reaped and puts its share back.
            await asyncio.to_thread(b.call, b.realtime.state.beat)
            await asyncio.to_thread(b.call, resume_heartbeat, b.realtime.state)
            back = await watcher.expect("pusher_internal:member_added", CHANNEL)
            assert json.loads(back["data"])["user_id"] == "2"
            users = await asyncio.to_thread(a.api().users_info, CHANNEL)
            assert sorted(u["id"] for u in users["users"]) == ["1", "2"]
            await ghost.close()
            await watcher.expect("pusher_internal:member_removed", CHANNEL)

        run(scenario())
