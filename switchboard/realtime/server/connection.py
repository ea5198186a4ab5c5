"""One client's WebSocket: what it sent, what it is subscribed to, and its outgoing frames.

Outgoing frames all go through `write()`, which keeps their order. A write is attempted
at once, in the caller's stack (the fan-out loop or the message handler), because the
ASGI `send` of a socket that can take more data finishes without suspending; only when it
does suspend (the client reads slowly) does the rest of that send, and whatever is written
meanwhile, move to a task of its own. Fan-out therefore creates no task per message in the
common case, and a slow client never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections import deque
from typing import TYPE_CHECKING

from switchboard.realtime.server import protocol, signing
from switchboard.realtime.server.broker import Message
from switchboard.realtime.server.json_input import MalformedJson, over_size, parse_json

if TYPE_CHECKING:
    from switchboard.realtime.server.interface import Hub

logger = logging.getLogger(__name__)


@types.coroutine
def _resume(coro, awaited):
    """Finish a coroutine that was started by hand and suspended on `awaited`."""
    try:
        yield awaited
    except BaseException:
        coro.close()
        raise
    return (yield from coro)


class Connection:
    __slots__ = (
        "_client_window",
        "_frame_window",
        "_pending",
        "_send",
        "channels",
        "closed",
        "last_seen",
        "loop",
        "pinged_at",
        "server",
        "socket_id",
        "user_data",
        "user_id",
        "watchlist",
    )

    def __init__(self, server: Hub, send, loop: asyncio.AbstractEventLoop):
        self.server = server
        self._send = send
        self.loop = loop
        self.socket_id = protocol.new_socket_id()
        # channel -> presence member (user_id, user_info); None on other channels
        self.channels: dict[str, tuple[str, object] | None] = {}
        self.user_id: str | None = None
        self.user_data: dict | None = None
        self.watchlist: tuple[str, ...] = ()
        self.last_seen = loop.time()
        self.pinged_at: float | None = None
        self.closed = False
        self._pending: deque | None = None
        self._client_window = [0.0, 0]
        self._frame_window = [0.0, 0]

    # -- output ---------------------------------------------------------------------------

    def write(self, text: str) -> None:
        if self.closed:
            return
        self._enqueue({"type": "websocket.send", "text": text})

    def close(self, code: int, message: str | None = None) -> None:
        """Optionally tell the client why (`pusher:error`), then close with `code`."""
        if self.closed:
            return
        if message is not None:
            self.write(protocol.error_frame(message, code))
        self.closed = True
        self._enqueue({"type": "websocket.close", "code": code})

    def _enqueue(self, event: dict) -> None:
        pending = self._pending
        if pending is not None:
            if len(pending) >= self.server.config.max_pending_frames and not self.closed:
                # The client stopped reading: drop it rather than buffer without bound.
                logger.info("realtime_slow_client socket=%s", self.socket_id)
                self.closed = True
                pending.clear()
                pending.append({"type": "websocket.close", "code": protocol.OVER_CAPACITY})
                return
            pending.append(event)
            return
        coro = self._send(event)
        try:
            awaited = coro.send(None)
        except StopIteration:
            return
        except Exception:
            self._lost()
            return
        self._pending = deque()
        self.server.spawn(self._drain(coro, awaited))

    async def _drain(self, coro, awaited) -> None:
        try:
            await _resume(coro, awaited)
            while self._pending:
                await self._send(self._pending.popleft())
        except Exception:
            self._lost()
        finally:
            self._pending = None

    def _lost(self) -> None:
        # The socket is gone; its handler sees the disconnect and cleans up.
        self.closed = True

    # -- input ----------------------------------------------------------------------------

    def _within(self, window: list, limit: int) -> bool:
        now = self.loop.time()
        if now - window[0] >= 1.0:
            window[0], window[1] = now, 0
        window[1] += 1
        return window[1] <= limit

    async def receive(self, text: str | None, raw: bytes | None) -> None:
        self.last_seen = self.loop.time()
        self.pinged_at = None
        config = self.server.config
        if text is None:
            # Binary frames are not in the protocol; accept UTF-8 JSON in them, as soketi does.
            try:
                text = (raw or b"").decode()
            except UnicodeDecodeError:
                self.write(protocol.error_frame("Binary frames are not supported."))
                return
        if over_size(text, config.max_frame_bytes):
            self.close(protocol.MESSAGE_TOO_BIG)
            return
        if not self._within(self._frame_window, config.frames_per_second):
            if self._frame_window[1] == config.frames_per_second + 1:
                self.write(protocol.error_frame("Too many messages.", protocol.CLIENT_EVENT_RATE))
            return
        try:
            # The size was checked above (an oversized frame closes the connection).
            message = parse_json(text, max_bytes=None)
        except MalformedJson as error:
            self.write(protocol.error_frame(f"Malformed message: {error}."))
            return
        if not isinstance(message, dict) or not isinstance(message.get("event"), str):
            self.write(protocol.error_frame("A message is an object with an 'event' string."))
            return
        await self._dispatch(message)

    async def _dispatch(self, message: dict) -> None:
        event = message["event"]
        data = message.get("data")
        if event == "pusher:ping":
            self.write(protocol.frame("pusher:pong", {}))
        elif event == "pusher:pong":
            return
        elif event == "pusher:subscribe":
            await self._subscribe(_as_object(data))
        elif event == "pusher:unsubscribe":
            channel = _as_object(data).get("channel")
            if isinstance(channel, str) and channel in self.channels:
                await self.server.leave(self, channel)
        elif event == "pusher:signin":
            await self._signin(_as_object(data))
        elif event.startswith("client-"):
            await self._client_event(event, message.get("channel"), data)
        else:
            self.write(protocol.error_frame(f"Unsupported event '{event[:50]}'."))

    # -- subscriptions --------------------------------------------------------------------

    async def _subscribe(self, data: dict) -> None:
        config = self.server.config
        channel = data.get("channel")
        error = protocol.channel_name_error(channel, config.max_channel_name)
        if error:
            if isinstance(channel, str) and channel:
                self._refuse(channel[: config.max_channel_name], "InvalidChannel", error, 400)
            else:
                self.write(protocol.error_frame(error))
            return
        if channel in self.channels:
            await self.server.confirm(self, channel)
            return
        if len(self.channels) >= config.max_channels_per_connection:
            limit = config.max_channels_per_connection
            message = f"A connection may subscribe to {limit} channels at most."
            self._refuse(channel, "LimitReached", message, protocol.OVER_CAPACITY)
            return
        if protocol.is_user_channel(channel):
            owner = channel[len(protocol.USER_CHANNEL_PREFIX) :]
            if self.user_id != owner:
                self._refuse(channel, "AuthError", "Sign in as this user first.", 401)
                return
            await self.server.join(self, channel, None)
            return
        if not protocol.is_private(channel):
            await self.server.join(self, channel, None)
            return
        member = await self._authorize(channel, data)
        if member is False:
            return
        await self.server.join(self, channel, member)

    async def _authorize(self, channel: str, data: dict):
        """The presence member (user_id, user_info), None for a private channel, or False."""
        config = self.server.config
        channel_data = data.get("channel_data")
        presence = protocol.is_presence(channel)
        signed_in_member = presence and channel_data is None and self.user_data is not None
        if presence and not signed_in_member and not isinstance(channel_data, str):
            self._refuse(channel, "AuthError", "Presence channels need channel_data.", 401)
            return False
        string = signing.channel_string(
            self.socket_id, channel, None if not presence or signed_in_member else channel_data
        )
        auth = data.get("auth")
        if not signing.check_token(config.key, config.secret, string, auth):
            given = auth.split(":", 1)[-1] if isinstance(auth, str) else ""
            message = (
                f"Invalid signature: Expected HMAC SHA256 hex digest of {string}, "
                f"but got {given[:80]}"
            )
            self._refuse(channel, "AuthError", message, 401)
            return False
        if not presence:
            return None
        if signed_in_member:
            return self.user_id, self.user_data.get("user_info")
        return await self._presence_member(channel, channel_data)

    async def _presence_member(self, channel: str, channel_data: str):
        config = self.server.config
        if len(channel_data.encode()) > config.max_presence_user_bytes:
            limit = config.max_presence_user_bytes
            self._refuse(channel, "LimitReached", f"channel_data is over {limit} bytes.", 4009)
            return False
        try:
            member = parse_json(channel_data, max_bytes=config.max_presence_user_bytes)
        except MalformedJson:
            member = None
        user_id = member.get("user_id") if isinstance(member, dict) else None
        if isinstance(user_id, bool) or not isinstance(user_id, str | int) or user_id == "":
            self._refuse(channel, "AuthError", "channel_data needs a user_id.", 401)
            return False
        user_id = str(user_id)
        if len(user_id) > config.max_user_id_length:
            self._refuse(channel, "AuthError", "The user_id is too long.", 401)
            return False
        state = self.server.state
        if (
            not await state.has_member(channel, user_id)
            and await state.member_count(channel) >= config.max_presence_members
        ):
            limit = config.max_presence_members
            message = f"The presence channel is full ({limit} members)."
            self._refuse(channel, "LimitReached", message, protocol.OVER_CAPACITY)
            return False
        return user_id, member.get("user_info")

    def _refuse(self, channel: str, kind: str, error: str, status: int) -> None:
        self.write(protocol.subscription_error_frame(channel, kind, error, status))

    # -- user sign-in ---------------------------------------------------------------------

    async def _signin(self, data: dict) -> None:
        config = self.server.config
        user_data = data.get("user_data")
        auth = data.get("auth")
        string = signing.user_string(
            self.socket_id, user_data if isinstance(user_data, str) else ""
        )
        if not isinstance(user_data, str) or not signing.check_token(
            config.key, config.secret, string, auth
        ):
            self.write(protocol.error_frame("Invalid sign-in signature.", protocol.UNAUTHORIZED))
            return
        try:
            parsed = parse_json(user_data, max_bytes=config.max_frame_bytes)
        except MalformedJson:
            parsed = None
        user_id = parsed.get("id") if isinstance(parsed, dict) else None
        if (
            not isinstance(user_id, str)
            or not user_id
            or len(user_id) > config.max_user_id_length
            or not protocol.USER_ID.match(user_id)
        ):
            self.write(protocol.error_frame("user_data needs a string id.", protocol.UNAUTHORIZED))
            return
        if self.user_id is not None and self.user_id != user_id:
            message = "This connection is signed in as another user."
            self.write(protocol.error_frame(message, protocol.UNAUTHORIZED))
            return
        watchlist = parsed.get("watchlist") or []
        if not isinstance(watchlist, list):
            watchlist = []
        watched = tuple(str(item) for item in watchlist[: config.max_watchlist])
        self.write(protocol.frame("pusher:signin_success", {"user_data": user_data}))
        first = self.user_id is None
        self.user_data = parsed
        if first:
            self.user_id = user_id
            await self.server.signed_in(self)
        await self.server.watch(self, watched)
        if len(watchlist) > config.max_watchlist:
            message = f"Only the first {config.max_watchlist} watchlist ids are watched."
            self.write(protocol.error_frame(message, protocol.WATCHLIST_LIMIT))

    # -- client events --------------------------------------------------------------------

    async def _client_event(self, event: str, channel, data) -> None:
        config = self.server.config
        if not isinstance(channel, str) or not protocol.accepts_client_events(channel):
            # A private channel is one-way: its subscribers may read it, not speak on it (the
            # organisation channel would otherwise let any member forge events to all).
            message = "Client events are allowed on presence channels only."
            self.write(protocol.error_frame(message, protocol.CLIENT_EVENT_REFUSED))
            return
        if channel not in self.channels:
            self.write(protocol.error_frame(f"Not subscribed to {channel}."))
            return
        if not self._within(self._client_window, config.client_events_per_second):
            limit = config.client_events_per_second
            message = f"Client event rate limit: {limit} per second."
            self.write(protocol.error_frame(message, protocol.CLIENT_EVENT_RATE))
            return
        if len(event) > config.max_event_name:
            self.write(protocol.error_frame("The event name is too long."))
            return
        text = protocol.data_as_string(data)
        if len(text.encode()) > config.max_event_bytes:
            self.write(protocol.error_frame(f"Event data is over {config.max_event_bytes} bytes."))
            return
        member = self.channels.get(channel)
        message = Message(
            channel=channel,
            event=event,
            data=text,
            exclude_socket_id=self.socket_id,
            user_id=member[0] if member else None,
        )
        await self.server.broker.publish([message])
        if self.server.webhooks.enabled:
            self.server.webhooks.client_event(
                channel=channel,
                event=event,
                data=text,
                socket_id=self.socket_id,
                user_id=message.user_id,
            )


def _as_object(data) -> dict:
    """`data` of a `pusher:*` event: an object, or (from some clients) a JSON string of one."""
    if isinstance(data, str):
        try:
            # Inside a frame that passed the size check, so no bigger than that.
            data = parse_json(data, max_bytes=None)
        except MalformedJson:
            return {}
    return data if isinstance(data, dict) else {}
