"""The Pusher protocol 7 server: a plain ASGI app for `/app/{key}` and `/apps/{app_id}/…`.

It runs inside the application's uvicorn process (see `switchboard/asgi.py`). Per process
it keeps who is subscribed to what (`subscriptions`, `users`); cluster-wide counts
(presence members, occupied channels, signed-in users) live in `state` (this process, or
Redis); messages arrive through the broker, and each one is encoded once and written to
every local subscriber.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from switchboard.common.metrics import REALTIME_CHANNELS, REALTIME_CONNECTIONS
from switchboard.realtime.server import http_api, protocol
from switchboard.realtime.server.broker import Broker, Message, RedisBroker, get_broker
from switchboard.realtime.server.config import RealtimeConfig, config_from_settings
from switchboard.realtime.server.connection import Connection
from switchboard.realtime.server.handshake import refusal
from switchboard.realtime.server.state.base import Reaped, State
from switchboard.realtime.server.state.local import LocalState
from switchboard.realtime.server.state.redis import RedisState
from switchboard.realtime.server.subscriptions import Subscriptions
from switchboard.realtime.server.users import Users
from switchboard.realtime.server.webhooks import WebhookSender

logger = logging.getLogger(__name__)

WEBSOCKET_PREFIX = "/app/"


class RealtimeServer:
    """Implements `interface.Hub` for its connections and `interface.Host` for its parts."""

    def __init__(self, config: RealtimeConfig | None = None, broker: Broker | None = None):
        self.config = config or config_from_settings()
        self.broker = broker or get_broker()
        self.state: State | None = None
        self.connections: dict[str, Connection] = {}
        self.subscriptions = Subscriptions(self)
        self.users = Users(self)
        self.webhooks = WebhookSender(
            url=self.config.webhook_url,
            key=self.config.key,
            secret=self.config.secret,
            retry_seconds=self.config.webhook_retry_seconds,
            delay_seconds=self.config.webhook_delay_seconds,
            journal_path=self.config.webhook_journal,
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self.accepting = True
        self.started = False
        self._start_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task] = set()
        self._sweeper: asyncio.Task | None = None

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self.started:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self.started:
                return
            self.loop = asyncio.get_running_loop()
            await self.broker.start()
            self.state = self._new_state()
            await self.state.start(on_reaped=self._announce_reaped, on_lost=self._rejoin)
            self.broker.add_listener(self.deliver)
            self.broker.add_control_listener(self.users.on_control)
            await self.webhooks.start(self.state)
            self._sweeper = self.loop.create_task(self._sweep_forever())
            self.accepting = True
            self.started = True
            logger.info(
                "realtime_started broker=%s node=%s",
                type(self.broker).__name__,
                protocol.NODE_NUMBER,
            )

    def _new_state(self) -> State:
        if isinstance(self.broker, RedisBroker):
            client = self.broker.async_client()
            return RedisState(client, self.broker.node_id, ttl=self.config.node_ttl_seconds)
        return LocalState()

    async def stop(self, code: int = protocol.RECONNECT) -> None:
        """Close every client with `code` (4200: reconnect now) and release what we hold."""
        if not self.started:
            return
        self.begin_shutdown(code)
        for _ in range(40):
            if not self.connections:
                break
            await asyncio.sleep(0.05)
        if self._sweeper is not None:
            self._sweeper.cancel()
        self.broker.remove_listener(self.deliver)
        self.broker.remove_control_listener(self.users.on_control)
        await self.state.stop()
        await self.webhooks.stop()
        await self.broker.stop()
        for task in list(self._tasks):
            task.cancel()
        self.started = False
        logger.info("realtime_stopped")

    def begin_shutdown(self, code: int = protocol.RECONNECT) -> None:
        self.accepting = False
        for connection in list(self.connections.values()):
            connection.close(code)

    def spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def stats(self) -> dict:
        return {
            "running": self.started,
            "connections": len(self.connections),
            "channels": len(self.subscriptions.subscribers),
            "broker": "redis" if isinstance(self.broker, RedisBroker) else "memory",
            "node": protocol.NODE_NUMBER,
        }

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        await self.start()
        if scope["type"] == "websocket":
            await self.serve_websocket(scope, receive, send)
        elif scope["type"] == "http":
            await http_api.handle(self, scope, receive, send)

    async def serve_websocket(self, scope, receive, send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        path = scope["path"]
        if not path.startswith(WEBSOCKET_PREFIX):
            await send({"type": "websocket.close", "code": 4005})
            return
        await send({"type": "websocket.accept"})
        connection = Connection(self, send, asyncio.get_running_loop())
        refused = refusal(
            path[len(WEBSOCKET_PREFIX) :],
            scope.get("query_string", b""),
            self.config,
            accepting=self.accepting,
            connections=len(self.connections),
        )
        if refused is not None:
            code, message = refused
            logger.info("realtime_refused code=%s reason=%r", code, message)
            connection.close(code, message)
            return
        self.connections[connection.socket_id] = connection
        REALTIME_CONNECTIONS.set(len(self.connections))
        connection.write(
            protocol.established_frame(connection.socket_id, self.config.activity_timeout)
        )
        try:
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    await connection.receive(message.get("text"), message.get("bytes"))
                elif kind == "websocket.disconnect":
                    break
        finally:
            connection.closed = True
            await self._forget(connection)

    async def _forget(self, connection: Connection) -> None:
        self.connections.pop(connection.socket_id, None)
        REALTIME_CONNECTIONS.set(len(self.connections))
        try:
            for channel in list(connection.channels):
                await self.leave(connection, channel)
            await self.users.forget(connection)
        except Exception:
            logger.exception("realtime_cleanup_failed socket=%s", connection.socket_id)

    # -- what connections ask (interface.Hub) ----------------------------------------------

    async def join(self, connection, channel: str, member) -> None:
        await self.subscriptions.join(connection, channel, member)
        REALTIME_CHANNELS.set(len(self.subscriptions.subscribers))

    async def leave(self, connection, channel: str) -> None:
        await self.subscriptions.leave(connection, channel)
        REALTIME_CHANNELS.set(len(self.subscriptions.subscribers))

    async def confirm(self, connection, channel: str) -> None:
        await self.subscriptions.confirm(connection, channel)

    async def signed_in(self, connection) -> None:
        await self.users.signed_in(connection)

    async def watch(self, connection, watched: tuple[str, ...]) -> None:
        await self.users.watch(connection, watched)

    # -- fan-out --------------------------------------------------------------------------

    def deliver(self, message: Message) -> None:
        """Broker listener: encode once, write to every local subscriber."""
        channel = message.channel
        if protocol.is_user_channel(channel):
            targets = self.users.local(channel[len(protocol.USER_CHANNEL_PREFIX) :])
        else:
            targets = self.subscriptions.local(channel)
        if protocol.is_cache(channel) and not message.event.startswith(("pusher", "client-")):
            self.spawn(
                self.state.cache_set(
                    channel, message.event, message.data, self.config.cache_ttl_seconds
                )
            )
        if not targets:
            return
        text = protocol.frame(message.event, message.data, channel, message.user_id)
        excluded = message.exclude_socket_id
        for connection in list(targets):
            if connection.socket_id != excluded:
                connection.write(text)

    # -- liveness -------------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        config = self.config
        interval = max(0.2, min(5.0, min(config.activity_timeout, config.pong_timeout) / 3))
        ping = protocol.frame("pusher:ping", {})
        while True:
            await asyncio.sleep(interval)
            now = self.loop.time()
            for connection in list(self.connections.values()):
                if connection.closed:
                    continue
                if connection.pinged_at is None:
                    if now - connection.last_seen >= config.activity_timeout:
                        connection.write(ping)
                        connection.pinged_at = now
                elif now - connection.pinged_at >= config.pong_timeout:
                    connection.close(protocol.PONG_NOT_RECEIVED, "Pong reply not received.")

    # -- what a dead process left behind --------------------------------------------------

    async def _announce_reaped(self, reaped: Reaped) -> None:
        for channel, user_id in reaped.removed_members:
            await self.subscriptions.member_gone(channel, user_id)
        if self.webhooks.enabled:
            for channel in reaped.vacated:
                await self.webhooks.vacated(channel)
        for user_id in reaped.offline_users:
            await self.users.announce_online(user_id, False)

    async def _rejoin(self) -> None:
        """This process was taken for dead and its share subtracted: add it back."""
        for connection in list(self.connections.values()):
            await self.subscriptions.count_again(connection)
            await self.users.count_again(connection)


_server: RealtimeServer | None = None
_server_lock = threading.Lock()


def get_server() -> RealtimeServer:
    """The process-wide server, built from settings on first use."""
    global _server
    with _server_lock:
        if _server is None:
            _server = RealtimeServer()
        return _server


def stats() -> dict:
    """Figures for `/health`, without creating a server in processes that serve none."""
    server = _server
    if server is None:
        return {"running": False, "connections": 0, "channels": 0}
    return server.stats()
