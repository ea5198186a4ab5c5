"""Webhooks: what is sent, when, signed so that the `pusher` library accepts it, retried."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.realtime.server.support import (
    KEY,
    ThreadServer,
    WsClient,
    make_config,
    presence_auth,
    private_auth,
    signer,
)
from tests.realtime.support import run, wait_until


class Receiver:
    """An HTTP endpoint that records webhooks; `failures` answers 500 that many times."""

    def __init__(self, failures: int = 0):
        self.requests: list[dict] = []
        self.attempts = 0
        self.failures = failures
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                with receiver.lock:
                    receiver.attempts += 1
                    failing = receiver.attempts <= receiver.failures
                    if not failing:
                        receiver.requests.append(
                            {
                                "key": self.headers["X-Pusher-Key"],
                                "signature": self.headers["X-Pusher-Signature"],
                                "body": body,
                            }
                        )
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args):
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        """Every received event, each checked with the library's validate_webhook."""
        validated = []
        for request in list(self.requests):
            body = signer().validate_webhook(
                key=request["key"], signature=request["signature"], body=request["body"]
            )
            assert body is not None, "the pusher library refused our webhook"
            validated.extend(body["events"])
        return validated

    def names(self) -> list[str]:
        return [event["name"] for event in self.events()]

    def close(self):
        self.http.shutdown()


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


def hooked_server(receiver, **changes):
    config = make_config(webhook_url=receiver.url, **{"webhook_delay_seconds": 0.3, **changes})
    return ThreadServer(config)


def test_occupied_vacated_with_signatures_the_library_accepts(receiver):
    with hooked_server(receiver) as server:

        async def scenario():
            client = await WsClient.open(server.ws_url)
            await client.subscribe("news")
            await asyncio.to_thread(wait_until, lambda: receiver.names() == ["channel_occupied"])
            await client.send("pusher:unsubscribe", {"channel": "news"})

        run(scenario())
        wait_until(lambda: len(receiver.requests) == 2)
    assert receiver.events() == [
        {"name": "channel_occupied", "channel": "news"},
        {"name": "channel_vacated", "channel": "news"},
    ]
    assert all(request["key"] == KEY for request in receiver.requests)


def test_a_reload_within_the_delay_sends_nothing(receiver):
    # A delay no reload on a busy machine outlasts; the test waits it out once.
    with hooked_server(receiver, webhook_delay_seconds=5) as server:
        channel = "presence-room"
        webhooks = server.realtime.webhooks

        async def scenario():
            first = await WsClient.open(server.ws_url)
            await first.subscribe(channel, **presence_auth(first.socket_id, channel, "1"))
            await asyncio.to_thread(wait_until, lambda: len(receiver.requests) == 2)
            await first.close()
            # Its departures (member_removed, channel_vacated) now wait out the delay.
            await asyncio.to_thread(wait_until, lambda: len(webhooks._delayed) == 2)
            # The page comes back before the delay is over.
            again = await WsClient.open(server.ws_url)
            await again.subscribe(channel, **presence_auth(again.socket_id, channel, "1"))
            # The delayed departures have run: nothing was only postponed.
            await asyncio.to_thread(wait_until, lambda: not webhooks._delayed)

        run(scenario())
    assert receiver.names() == ["channel_occupied", "member_added"]


def test_member_removed_after_the_delay(receiver):
    with hooked_server(receiver) as server:
        channel = "presence-room"

        async def scenario():
            stays = await WsClient.open(server.ws_url)
            await stays.subscribe(channel, **presence_auth(stays.socket_id, channel, "1"))
            leaves = await WsClient.open(server.ws_url)
            await leaves.subscribe(channel, **presence_auth(leaves.socket_id, channel, "2"))
            await leaves.close()
            await asyncio.to_thread(wait_until, lambda: len(receiver.requests) == 4)

        run(scenario())
    events = receiver.events()
    assert events[0] == {"name": "channel_occupied", "channel": channel}
    assert events[1:] == [
        {"name": "member_added", "channel": channel, "user_id": "1"},
        {"name": "member_added", "channel": channel, "user_id": "2"},
        {"name": "member_removed", "channel": channel, "user_id": "2"},
    ]


def test_client_event_and_cache_miss(receiver):
    with hooked_server(receiver) as server:
        channel = "presence-chat"

        async def scenario():
            client = await WsClient.open(server.ws_url)
            await client.subscribe(channel, **presence_auth(client.socket_id, channel, "7"))
            await client.send("client-typing", {"on": True}, channel=channel)
            await client.subscribe("cache-quotes")
            await client.expect("pusher:cache_miss")
            await asyncio.to_thread(wait_until, lambda: len(receiver.requests) >= 5)
            return client.socket_id

        socket_id = run(scenario())
    events = {event["name"]: event for event in receiver.events()}
    assert events["client_event"] == {
        "name": "client_event",
        "channel": channel,
        "event": "client-typing",
        "data": json.dumps({"on": True}, separators=(",", ":")),
        "socket_id": socket_id,
        "user_id": "7",
    }
    assert events["cache_miss"] == {"name": "cache_miss", "channel": "cache-quotes"}


def test_refused_webhooks_are_retried_until_accepted():
    receiver = Receiver(failures=2)
    try:
        with hooked_server(receiver) as server:
            server.realtime.webhooks.first_retry = 0.1

            async def scenario():
                client = await WsClient.open(server.ws_url)
                channel = "private-x"
                await client.subscribe(channel, **private_auth(client.socket_id, channel))
                await asyncio.to_thread(wait_until, lambda: receiver.requests)
                return receiver.attempts

            attempts = run(scenario())
        assert attempts == 3
        assert receiver.names()[0] == "channel_occupied"
    finally:
        receiver.close()


def test_webhooks_are_given_up_after_the_retry_window():
    receiver = Receiver(failures=1000)
    try:
        with hooked_server(receiver, webhook_retry_seconds=0.5) as server:
            server.realtime.webhooks.first_retry = 0.1

            async def scenario():
                client = await WsClient.open(server.ws_url)
                await client.subscribe("news")
                webhooks = server.realtime.webhooks
                await asyncio.to_thread(wait_until, lambda: webhooks.failed == 1)
                attempts = receiver.attempts
                await asyncio.sleep(0.5)
                assert receiver.attempts == attempts
                return attempts

            attempts = run(scenario())
        # How many attempts fit in the window depends on the machine's speed; that there
        # are retries at all is the test above.
        assert attempts >= 1 and receiver.requests == []
    finally:
        receiver.close()
