"""The Pusher protocol 7 server: a plain ASGI app for `/app/{key}` and `/apps/{app_id}/…`.

It runs inside the application's uvicorn process (see `switchboard/asgi.py`). Per process
it keeps who is subscribed to what; cluster-wide counts (presence members, occupied
channels, signed-in users) live in `state` (this process, or Redis); messages arrive
through the broker, and each one is encoded once and written to every local subscriber.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from urllib.parse import parse_qs

from switchboard.realtime.server import protocol
from switchboard.realtime.server.broker import Broker, Message, RedisBroker, get_broker
from switchboard.realtime.server.config import RealtimeConfig, config_from_settings
from switchboard.realtime.server.connection import Connection
from switchboard.realtime.server.signing import same
from switchboard.realtime.server.state.base import Reaped
from switchboard.realtime.server.state.local import LocalState
from switchboard.realtime.server.state.redis import RedisState
from switchboard.realtime.server.webhooks import WebhookSender

logger = logging.getLogger(__name__)

WEBSOCKET_PREFIX = "/app/"


class RealtimeServer:
    def __init__(self, config: RealtimeConfig | None = None, broker: Broker | None = None):
        self.config = config or config_from_settings()
        self.broker = broker or get_broker()
        self.state: LocalState | RedisState | None = None
        self.connections: dict[str, Connection] = {}
        self.subscribers: dict[str, dict[str, Connection]] = {}
        self.users: dict[str, set[Connection]] = {}
        self.watchers: dict[str, set[Connection]] = {}
        self.webhooks = WebhookSender(
            url=self.config.webhook_url,
            key=self.config.key,
            secret=self.config.secret,
            retry_seconds=self.config.webhook_retry_seconds,
            delay_seconds=self.config.webhook_delay_seconds,
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
            if isinstance(self.broker, RedisBroker):
                self.state = RedisState(
                    self.broker.async_client(),
                    self.broker.node_id,
                    ttl=self.config.node_ttl_seconds,
                )
            else:
                self.state = LocalState()
            await self.state.start(on_reaped=self._announce_reaped, on_lost=self._rejoin)
            self.broker.add_listener(self.deliver)
            self.broker.add_control_listener(self.on_control)
            await self.webhooks.start(self.state)
            self._sweeper = self.loop.create_task(self._sweep_forever())
            self.accepting = True
            self.started = True
            logger.info(
                "realtime_started broker=%s node=%s",
                type(self.broker).__name__,
                protocol.NODE_NUMBER,
            )

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
        self.broker.remove_control_listener(self.on_control)
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
            "channels": len(self.subscribers),
            "broker": "redis" if isinstance(self.broker, RedisBroker) else "memory",
            "node": protocol.NODE_NUMBER,
        }

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        await self.start()
        if scope["type"] == "websocket":
            await self.serve_websocket(scope, receive, send)
        elif scope["type"] == "http":
            from switchboard.realtime.server.http_api import handle

            await handle(self, scope, receive, send)

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
        refusal = self._refusal(path[len(WEBSOCKET_PREFIX) :], scope)
        if refusal is not None:
            code, message = refusal
            connection.close(code, message)
            return
        self.connections[connection.socket_id] = connection
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

    def _refusal(self, key: str, scope) -> tuple[int, str] | None:
        if not self.accepting:
            return protocol.RECONNECT, "The server is restarting."
        if not same(key, self.config.key):
            return protocol.APP_NOT_FOUND, "Application does not exist."
        version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("protocol")
        if version:
            if not version[0].isdigit():
                return protocol.INVALID_VERSION, "Invalid version string format."
            if not 5 <= int(version[0]) <= 7:
                return protocol.UNSUPPORTED_PROTOCOL, "Unsupported protocol version."
        if len(self.connections) >= self.config.max_connections:
            return protocol.OVER_CAPACITY, "Over capacity."
        return None

    async def _forget(self, connection: Connection) -> None:
        self.connections.pop(connection.socket_id, None)
        try:
            for channel in list(connection.channels):
                await self.leave(connection, channel)
            for user_id in connection.watchlist:
                _discard(self.watchers, user_id, connection)
            if connection.user_id is not None:
                _discard(self.users, connection.user_id, connection)
                if await self.state.user_offline(connection.user_id):
                    await self._announce_online(connection.user_id, False)
        except Exception:
            logger.exception("realtime_cleanup_failed socket=%s", connection.socket_id)

    # -- subscriptions --------------------------------------------------------------------

    async def join(self, connection: Connection, channel: str, member) -> None:
        connection.channels[channel] = member
        self.subscribers.setdefault(channel, {})[connection.socket_id] = connection
        if protocol.is_user_channel(channel):
            await self.confirm(connection, channel)
            return
        if await self.state.channel_added(channel) and self.webhooks.enabled:
            await self.webhooks.occupied(channel)
        if member is not None:
            user_id, info = member
            if await self.state.member_added(channel, user_id, info):
                await self._member_joined(channel, user_id, info, exclude=connection.socket_id)
                if self.webhooks.enabled:
                    await self.webhooks.member_added(channel, user_id)
        await self.confirm(connection, channel)
        if protocol.is_cache(channel):
            await self._send_cached(connection, channel)

    async def confirm(self, connection: Connection, channel: str) -> None:
        """`subscription_succeeded`, with the member list on a presence channel."""
        data = "{}"
        if protocol.is_presence(channel):
            members = await self.state.members(channel)
            data = protocol.dumps(
                {"presence": {"ids": list(members), "hash": members, "count": len(members)}}
            )
        connection.write(
            protocol.frame("pusher_internal:subscription_succeeded", data, channel=channel)
        )

    async def _send_cached(self, connection: Connection, channel: str) -> None:
        cached = await self.state.cache_get(channel)
        if cached is not None:
            event, data, _ = cached
            connection.write(protocol.frame(event, data, channel=channel))
            return
        connection.write(protocol.frame("pusher:cache_miss", channel=channel))
        if self.webhooks.enabled:
            await self.webhooks.cache_miss(channel)

    async def leave(self, connection: Connection, channel: str) -> None:
        member = connection.channels.pop(channel, None)
        subscribers = self.subscribers.get(channel)
        if subscribers is not None:
            subscribers.pop(connection.socket_id, None)
            if not subscribers:
                del self.subscribers[channel]
        if protocol.is_user_channel(channel):
            return
        if member is not None:
            user_id = member[0]
            if await self.state.member_removed(channel, user_id):
                await self._member_gone(channel, user_id)
        if await self.state.channel_removed(channel) and self.webhooks.enabled:
            await self.webhooks.vacated(channel)

    async def _member_gone(self, channel: str, user_id: str) -> None:
        removed = Message(
            channel=channel,
            event="pusher_internal:member_removed",
            data=protocol.dumps({"user_id": user_id}),
        )
        await self.broker.publish([removed])
        if self.webhooks.enabled:
            await self.webhooks.member_removed(channel, user_id)

    # -- users and watchlists -------------------------------------------------------------

    async def signed_in(self, connection: Connection) -> None:
        self.users.setdefault(connection.user_id, set()).add(connection)
        if await self.state.user_online(connection.user_id):
            await self._announce_online(connection.user_id, True)

    async def watch(self, connection: Connection, watched: tuple[str, ...]) -> None:
        for user_id in connection.watchlist:
            _discard(self.watchers, user_id, connection)
        connection.watchlist = watched
        for user_id in watched:
            self.watchers.setdefault(user_id, set()).add(connection)
        if not watched:
            return
        online = set(await self.state.online(list(watched)))
        events = [
            {"name": "online", "user_ids": [u for u in watched if u in online]},
            {"name": "offline", "user_ids": [u for u in watched if u not in online]},
        ]
        events = [event for event in events if event["user_ids"]]
        data = protocol.dumps({"events": events})
        connection.write(protocol.frame("pusher_internal:watchlist_events", data))

    async def _announce_online(self, user_id: str, online: bool) -> None:
        await self.broker.publish_control({"kind": "online", "user_id": user_id, "online": online})

    def on_control(self, note: dict) -> None:
        kind = note.get("kind")
        user_id = str(note.get("user_id"))
        if kind == "terminate":
            for connection in list(self.users.get(user_id, ())):
                connection.close(protocol.UNAUTHORIZED, "Connections terminated.")
        elif kind == "online":
            name = "online" if note.get("online") else "offline"
            data = protocol.dumps({"events": [{"name": name, "user_ids": [user_id]}]})
            text = protocol.frame("pusher_internal:watchlist_events", data)
            for connection in list(self.watchers.get(user_id, ())):
                connection.write(text)

    # -- fan-out --------------------------------------------------------------------------

    def deliver(self, message: Message) -> None:
        """Broker listener: encode once, write to every local subscriber."""
        channel = message.channel
        if protocol.is_user_channel(channel):
            targets = self.users.get(channel[len(protocol.USER_CHANNEL_PREFIX) :])
        else:
            subscribers = self.subscribers.get(channel)
            targets = subscribers.values() if subscribers else None
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
            await self._member_gone(channel, user_id)
        if self.webhooks.enabled:
            for channel in reaped.vacated:
                await self.webhooks.vacated(channel)
        for user_id in reaped.offline_users:
            await self._announce_online(user_id, False)

    async def _rejoin(self) -> None:
        """This process was taken for dead and its share subtracted: add it back."""
        for connection in list(self.connections.values()):
            for channel, member in connection.channels.items():
                if protocol.is_user_channel(channel):
                    continue
                await self.state.channel_added(channel)
                if member is not None and await self.state.member_added(channel, *member):
                    await self._member_joined(channel, *member)
            if connection.user_id is not None and await self.state.user_online(connection.user_id):
                await self._announce_online(connection.user_id, True)

    async def _member_joined(self, channel: str, user_id: str, info, exclude=None) -> None:
        body = {"user_id": user_id}
        if info is not None:
            body["user_info"] = info
        added = Message(
            channel=channel,
            event="pusher_internal:member_added",
            data=protocol.dumps(body),
            exclude_socket_id=exclude,
        )
        await self.broker.publish([added])


def _discard(index: dict, key, connection) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(connection)
        if not members:
            del index[key]


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
