"""The broker contract the outbox relay codes against: any thread, order kept, every
listener of every process."""

import asyncio
import json
import threading

from switchboard.realtime.server.broker import InMemoryBroker, Message, RedisBroker, get_broker
from tests.realtime.server.support import ThreadServer, WsClient
from tests.realtime.support import run, wait_until
from tests.support.wait import wait_until_async


def messages(prefix: str, count: int) -> list[Message]:
    return [
        Message(channel="news", event=f"{prefix}-{n}", data=json.dumps({"n": n}))
        for n in range(count)
    ]


def test_the_process_broker_is_in_memory_without_redis(settings):
    settings.REDIS_URL = ""
    broker = get_broker()
    assert isinstance(broker, InMemoryBroker)
    assert get_broker() is broker


def test_without_a_server_listeners_run_in_the_publishing_thread():
    broker = InMemoryBroker()
    seen = []
    broker.add_listener(lambda message: seen.append((message.event, threading.get_ident())))
    broker.publish_from_thread(messages("a", 3))
    assert seen == [(f"a-{n}", threading.get_ident()) for n in range(3)]


def test_a_failing_listener_does_not_starve_the_others():
    broker = InMemoryBroker()
    seen = []

    def broken(message):
        raise RuntimeError("boom")

    broker.add_listener(broken)
    broker.add_listener(seen.append)
    broker.publish_from_thread(messages("a", 2))
    assert [m.event for m in seen] == ["a-0", "a-1"]


def test_threads_publish_to_the_server_loop_in_order(server):
    """Four threads publish 200 events each; every subscriber gets every event, each
    thread's events in the order it published them."""
    seen = []
    server.realtime.broker.add_listener(lambda message: seen.append(threading.get_ident()))

    async def scenario():
        client = await WsClient.open(server.ws_url)
        await client.subscribe("news")

        def publisher(name):
            for batch in range(20):
                server.realtime.broker.publish_from_thread(messages(f"{name}{batch}", 10))

        threads = [threading.Thread(target=publisher, args=(f"t{i}-",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        received = [(await client.next())["event"] for _ in range(800)]
        for name in ("t0-", "t1-", "t2-", "t3-"):
            mine = [event for event in received if event.startswith(name)]
            expected = [f"{name}{batch}-{n}" for batch in range(20) for n in range(10)]
            assert mine == expected
        await client.nothing()

    run(scenario())
    # Delivery ran on the server's loop thread, whoever published.
    assert set(seen) == {server._thread.ident}


def test_redis_broker_delivers_to_every_process_once_in_order(redis_url):
    first, second = RedisBroker(redis_url), RedisBroker(redis_url)
    seen = {"first": [], "second": []}
    first.add_listener(lambda m: seen["first"].append(m))
    second.add_listener(lambda m: seen["second"].append(m))
    first.start_in_thread()
    second.start_in_thread()
    sent = messages("r", 50)
    sent.append(
        Message(
            channel="presence-x", event="client-x", data="{}", exclude_socket_id="1.2", user_id="7"
        )
    )
    try:
        for start in range(0, len(sent), 5):
            first.publish_from_thread(sent[start : start + 5])
        wait_until(lambda: len(seen["first"]) == len(sent) and len(seen["second"]) == len(sent))
    finally:
        first.stop_in_thread()
        second.stop_in_thread()
    assert seen["first"] == sent and seen["second"] == sent


def test_redis_broker_async_publish_and_control_notes(redis_url):
    broker = RedisBroker(redis_url)
    notes, seen = [], []
    broker.add_control_listener(notes.append)
    broker.add_listener(seen.append)

    async def scenario():
        await broker.start()
        await broker.publish(messages("x", 3))
        await broker.publish_control({"kind": "terminate", "user_id": "5"})
        try:
            await wait_until_async(lambda: len(seen) == 3 and notes)
        finally:
            await broker.stop()

    run(scenario())
    assert [m.event for m in seen] == ["x-0", "x-1", "x-2"]
    assert notes == [{"kind": "terminate", "user_id": "5", "node": broker.node_id}]


def test_redis_brokers_link_two_servers(redis_url):
    with (
        ThreadServer(broker=RedisBroker(redis_url)) as a,
        ThreadServer(broker=RedisBroker(redis_url)) as b,
    ):

        async def scenario():
            on_a = await WsClient.open(a.ws_url)
            await on_a.subscribe("news")
            await asyncio.to_thread(b.api().trigger, "news", "through-b", {"x": 1})
            assert json.loads((await on_a.expect("through-b", "news"))["data"]) == {"x": 1}
            # The relay's entry point works the same: a thread of process B.
            b.realtime.broker.publish_from_thread(messages("relayed", 1))
            await on_a.expect("relayed-0", "news")

        run(scenario())
