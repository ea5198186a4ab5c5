"""The real-time server alone for its tests: uvicorn in a thread of this process, the
`pusher` library to sign and call it, and a small protocol-level WebSocket client."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import threading

import pusher
import uvicorn
import websockets

from switchboard.realtime.server.app import RealtimeServer
from switchboard.realtime.server.broker import InMemoryBroker
from switchboard.realtime.server.config import RealtimeConfig
from tests.realtime.support import free_port
from tests.support.wait import TIMEOUT, wait_until

# The credentials of PUSHER_PROTOCOL.md §16, so that its vectors apply as they are.
KEY = "278d425bdf160c739803"
SECRET = "7ad3773142a6692b25b8"
APP_ID = "3"


def make_config(**changes) -> RealtimeConfig:
    return RealtimeConfig(app_id=APP_ID, key=KEY, secret=SECRET, **changes)


class ThreadServer:
    """A RealtimeServer served by uvicorn on a free port, in a thread of this process."""

    def __init__(self, config: RealtimeConfig | None = None, broker=None):
        self.config = config or make_config()
        self.realtime = RealtimeServer(self.config, broker or InMemoryBroker())
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    async def _app(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.realtime.start()
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await self.realtime.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.realtime(scope, receive, send)

    def start(self) -> ThreadServer:
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            lifespan="on",
            interface="asgi3",
            log_level="warning",
            ws_per_message_deflate=False,
            proxy_headers=False,  # as `make run` without TRUSTED_PROXIES
        )
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True)
        self._thread.start()
        wait_until(lambda: self._uvicorn.started)
        return self

    def stop(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            self._thread.join(timeout=15)
            self._uvicorn = None

    def call(self, fn, *args):
        """Run `fn(*args)` (a plain function or a coroutine function) on the server loop."""

        async def invoke():
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        future = asyncio.run_coroutine_threadsafe(invoke(), self.realtime.loop)
        return future.result(timeout=TIMEOUT)

    def api(self) -> pusher.Pusher:
        return api_client(self.config, self.port)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def api_client(config: RealtimeConfig, port: int) -> pusher.Pusher:
    return pusher.Pusher(
        app_id=config.app_id,
        key=config.key,
        secret=config.secret,
        host="127.0.0.1",
        port=port,
        ssl=False,
        timeout=10,
    )


class WsClient:
    """A protocol-level client: sends and reads raw Pusher frames."""

    def __init__(self, ws):
        self.ws = ws
        self.socket_id: str | None = None
        self.established: dict | None = None

    @classmethod
    async def open(cls, ws_url: str, key: str = KEY, query: str = "protocol=7&client=py"):
        ws = await websockets.connect(f"{ws_url}/app/{key}?{query}", compression=None)
        client = cls(ws)
        client.established = await client.next()
        if client.established["event"] == "pusher:connection_established":
            client.socket_id = json.loads(client.established["data"])["socket_id"]
        return client

    async def send(self, event: str, data=None, channel: str | None = None) -> None:
        body = {"event": event, "data": data if data is not None else {}}
        if channel is not None:
            body["channel"] = channel
        await self.ws.send(json.dumps(body))

    async def send_raw(self, raw) -> None:
        await self.ws.send(raw)

    async def next(self, timeout: float = TIMEOUT) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def expect(
        self, event: str, channel: str | None = None, timeout: float = TIMEOUT
    ) -> dict:
        """The next frame, which must be `event` (on `channel`)."""
        frame = await self.next(timeout)
        assert frame["event"] == event, frame
        if channel is not None:
            assert frame.get("channel") == channel, frame
        return frame

    async def nothing(self, within: float = 0.3) -> None:
        with contextlib.suppress(TimeoutError):
            frame = await asyncio.wait_for(self.ws.recv(), within)
            raise AssertionError(f"unexpected frame {frame}")

    async def subscribe(self, channel: str, **data) -> dict:
        await self.send("pusher:subscribe", {"channel": channel, **data})
        return await self.expect("pusher_internal:subscription_succeeded", channel)

    async def closed_with(self, timeout: float = TIMEOUT) -> int:
        """Read until the server closes; the close code."""
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


def signer(config: RealtimeConfig = None) -> pusher.Pusher:
    """The official library, used only to sign subscriptions (`authenticate`)."""
    config = config or make_config()
    return pusher.Pusher(
        app_id=config.app_id,
        key=config.key,
        secret=config.secret,
        # Only the library needs it, for encrypted channels' shared secret.
        encryption_master_key_base64=base64.b64encode(b"m" * 32).decode(),
    )


def private_auth(socket_id: str, channel: str, config: RealtimeConfig = None) -> dict:
    return signer(config).authenticate(channel=channel, socket_id=socket_id)


def presence_auth(socket_id: str, channel: str, user_id, info=None, config=None) -> dict:
    custom = {"user_id": user_id}
    if info is not None:
        custom["user_info"] = info
    return signer(config).authenticate(channel=channel, socket_id=socket_id, custom_data=custom)
