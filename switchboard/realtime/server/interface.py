"""What the parts of the server need of each other, as protocols.

`app.RealtimeServer` builds the parts and implements `Hub`; a connection, the HTTP API and
the signal handler see only these protocols, so none of them imports `app` and `app`
imports each of them without a cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from switchboard.realtime.server.broker import Broker
    from switchboard.realtime.server.config import RealtimeConfig
    from switchboard.realtime.server.state.base import State
    from switchboard.realtime.server.webhooks import WebhookSender

# A presence member: (user_id, user_info). None on other channels.
Member = tuple[str, object] | None


class Client(Protocol):
    """One WebSocket client, as the rest of the server sees it."""

    socket_id: str
    channels: dict[str, Member]
    user_id: str | None
    user_data: dict | None
    watchlist: tuple[str, ...]
    closed: bool

    def write(self, text: str) -> None: ...
    def close(self, code: int, message: str | None = None) -> None: ...


class Host(Protocol):
    """The shared parts: settings, the broker, the cluster state, the webhooks."""

    config: RealtimeConfig
    broker: Broker
    state: State
    webhooks: WebhookSender

    def spawn(self, coro: Coroutine) -> asyncio.Task: ...


class Hub(Host, Protocol):
    """What a connection asks of the server."""

    async def join(self, client: Client, channel: str, member: Member) -> None: ...
    async def leave(self, client: Client, channel: str) -> None: ...
    async def confirm(self, client: Client, channel: str) -> None: ...
    async def signed_in(self, client: Client) -> None: ...
    async def watch(self, client: Client, watched: tuple[str, ...]) -> None: ...


class Stoppable(Protocol):
    """What the shutdown signal handler needs."""

    loop: asyncio.AbstractEventLoop | None

    def begin_shutdown(self, code: int = ...) -> None: ...
