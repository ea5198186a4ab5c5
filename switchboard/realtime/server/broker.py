"""How an event reaches every process that serves WebSocket clients.

A broker carries `Message`s from whoever publishes them (the outbox relay, the HTTP API, a
client event) to the listeners of *every* server process; each process then fans the
message out to its own subscribers. In one process the in-memory broker is enough; with
several processes (uvicorn workers, machines) `REDIS_URL` selects the Redis broker, which
goes through Redis pub/sub.

Contract, relied on by the relay:

- `publish_from_thread(messages)` may be called from any thread of this process. It returns
  once the messages are handed off: scheduled on the server's event loop (in-memory) or
  published to Redis. The messages of one call, and of successive calls from one thread,
  are delivered in order.
- `await publish(messages)` is the same from async code.
- `add_listener(callback)`: `callback(message)` runs for every message this process
  delivers, on the server's event loop thread when a server runs here, otherwise (in-memory,
  no server) in the publishing thread.

Besides channel messages the broker carries small control notes between processes
(`publish_control` / `add_control_listener`): "terminate this user's connections" and the
like, which must reach every node.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from switchboard.realtime.server.json_input import MalformedJson, parse_json

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    channel: str
    event: str
    data: str  # the JSON string clients receive as `data`
    exclude_socket_id: str | None = None
    # Set on client events of presence channels: pusher-js copies it onto the event.
    user_id: str | None = None

    def to_wire(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_wire(cls, item: dict) -> Message:
        return cls(
            channel=str(item["channel"]),
            event=str(item["event"]),
            data=str(item["data"]),
            exclude_socket_id=item.get("exclude_socket_id"),
            user_id=item.get("user_id"),
        )


Listener = Callable[[Message], None]
ControlListener = Callable[[dict], None]


class Broker:
    """Base: listener bookkeeping and the event loop deliveries run on."""

    def __init__(self):
        self._listeners: list[Listener] = []
        self._control_listeners: list[ControlListener] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        # Identifies this process on the bus, so a node can ignore its own control notes
        # when it has already acted on them locally.
        self.node_id = uuid.uuid4().hex

    # -- listeners ------------------------------------------------------------------------

    def add_listener(self, callback: Listener) -> None:
        self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def add_control_listener(self, callback: ControlListener) -> None:
        self._control_listeners.append(callback)

    def remove_control_listener(self, callback: ControlListener) -> None:
        if callback in self._control_listeners:
            self._control_listeners.remove(callback)

    def _deliver(self, messages: list[Message]) -> None:
        for message in messages:
            for listener in list(self._listeners):
                try:
                    listener(message)
                except Exception:
                    # One faulty listener must not starve the others of the event.
                    logger.exception("broker_listener_failed channel=%s", message.channel)

    def _deliver_control(self, note: dict) -> None:
        for listener in list(self._control_listeners):
            try:
                listener(note)
            except Exception:
                logger.exception("broker_control_listener_failed kind=%s", note.get("kind"))

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind deliveries to the running loop (the server's). Called at server start-up."""
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    # -- publishing -----------------------------------------------------------------------

    def publish_from_thread(self, messages: list[Message]) -> None:
        raise NotImplementedError

    async def publish(self, messages: list[Message]) -> None:
        raise NotImplementedError

    async def publish_control(self, note: dict) -> None:
        raise NotImplementedError


class InMemoryBroker(Broker):
    """One process: messages go straight to this process's listeners."""

    def publish_from_thread(self, messages: list[Message]) -> None:
        messages = list(messages)
        if not messages:
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            self._deliver(messages)
            return
        if _running_loop() is loop:
            self._deliver(messages)
            return
        # call_soon_threadsafe keeps FIFO order, so successive calls stay in order.
        loop.call_soon_threadsafe(self._deliver, messages)

    async def publish(self, messages: list[Message]) -> None:
        self.publish_from_thread(messages)

    async def publish_control(self, note: dict) -> None:
        self._deliver_control({**note, "node": self.node_id})


class RedisBroker(Broker):
    """Many processes: every message goes through one Redis pub/sub channel.

    Each process subscribes once and delivers what it receives (its own publications
    included) to its listeners, so each process fans an event out exactly once. A whole
    `publish` call travels as one Redis message, which keeps its order.
    """

    def __init__(self, url: str, prefix: str = "switchboard:realtime"):
        super().__init__()
        self.url = url
        self.messages_channel = f"{prefix}:messages"
        self.control_channel = f"{prefix}:control"
        self._sync_client = None
        self._sync_lock = threading.Lock()
        self._async_client = None
        self._reader: asyncio.Task | None = None
        self._subscribed = asyncio.Event()
        self._own_thread: threading.Thread | None = None

    # -- clients --------------------------------------------------------------------------

    def _sync(self):
        with self._sync_lock:
            if self._sync_client is None:
                import redis

                self._sync_client = redis.Redis.from_url(self.url)
            return self._sync_client

    def async_client(self):
        """The asyncio Redis client of the server loop (also used by presence)."""
        if self._async_client is None:
            import redis.asyncio

            self._async_client = redis.asyncio.Redis.from_url(self.url)
        return self._async_client

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        await super().start()
        self._subscribed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read_forever())
        # Subscribed before start() returns: nothing published after start-up is missed.
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None
        await super().stop()

    def start_in_thread(self) -> None:
        """Run deliveries on a private loop; for processes that serve no WebSockets."""
        if self._own_thread is not None:
            return
        ready = threading.Event()

        loop = asyncio.new_event_loop()

        def run():
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._own_thread = threading.Thread(target=run, name="redis-broker", daemon=True)
        self._own_thread.start()
        ready.wait(timeout=10)

    def stop_in_thread(self) -> None:
        thread, loop = self._own_thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._own_thread = None

    async def _read_forever(self) -> None:
        delay = 0.1
        while True:
            pubsub = self.async_client().pubsub()
            try:
                await pubsub.subscribe(self.messages_channel, self.control_channel)
                self._subscribed.set()
                delay = 0.1
                async for raw in pubsub.listen():
                    if raw.get("type") == "message":
                        self._on_raw(raw["channel"], raw["data"])
            except asyncio.CancelledError:
                await _quietly(pubsub.aclose())
                raise
            except Exception:
                # Redis went away: resubscribe with back-off. Events published meanwhile
                # are not seen here; clients fill that gap from the replay endpoint.
                logger.warning("redis_broker_reconnect delay=%.1f", delay, exc_info=True)
                await _quietly(pubsub.aclose())
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _on_raw(self, channel: bytes, data: bytes) -> None:
        try:
            # From our own processes; a batch may be large, so only the depth is bounded.
            body = parse_json(data, max_bytes=None)
        except MalformedJson:
            logger.warning("redis_broker_bad_payload")
            return
        if channel.decode() == self.control_channel:
            self._deliver_control(body)
        else:
            self._deliver([Message.from_wire(item) for item in body])

    # -- publishing -----------------------------------------------------------------------

    def _encode(self, messages: list[Message]) -> str:
        return json.dumps([message.to_wire() for message in messages], separators=(",", ":"))

    def publish_from_thread(self, messages: list[Message]) -> None:
        messages = list(messages)
        if not messages:
            return
        self._sync().publish(self.messages_channel, self._encode(messages))

    async def publish(self, messages: list[Message]) -> None:
        messages = list(messages)
        if not messages:
            return
        if self._loop is not None and _running_loop() is self._loop:
            await self.async_client().publish(self.messages_channel, self._encode(messages))
        else:
            await asyncio.to_thread(self.publish_from_thread, messages)

    async def publish_control(self, note: dict) -> None:
        body = json.dumps({**note, "node": self.node_id}, separators=(",", ":"))
        await self.async_client().publish(self.control_channel, body)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def _quietly(awaitable) -> None:
    with contextlib.suppress(Exception):
        await awaitable


_broker: Broker | None = None
_broker_lock = threading.Lock()


def get_broker() -> Broker:
    """The process-wide broker: Redis when `REDIS_URL` is set, otherwise in-memory."""
    global _broker
    with _broker_lock:
        if _broker is None:
            from django.conf import settings

            url = getattr(settings, "REDIS_URL", "")
            _broker = RedisBroker(url) if url else InMemoryBroker()
        return _broker


def set_broker(broker: Broker | None) -> Broker | None:
    """Replace the process-wide broker (tests, and servers built with an explicit one)."""
    global _broker
    with _broker_lock:
        previous, _broker = _broker, broker
        return previous
