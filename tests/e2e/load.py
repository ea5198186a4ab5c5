"""Load and listeners for the production-shape tests: API writers in threads, and Pusher
subscribers that reconnect, resubscribe and fetch what they missed, as the pages do."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import websockets

from tests.realtime.server.support import private_auth


@dataclass
class Outcome:
    kind: str
    status: int | None  # None: no answer (connection reset by a killed worker)
    body: dict | None = None
    started: float = 0.0
    took: float = 0.0
    error: str = ""  # why there was no answer
    writer: int = 0  # which writer thread


def call(url, token, method="GET", body=None, timeout=30) -> tuple[int | None, dict | None]:
    status, body, _ = call_explained(url, token, method, body, timeout)
    return status, body


def call_explained(url, token, method="GET", body=None, timeout=30):
    """(status, body, error): status None when no whole answer came, `error` says why."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), ""
    except urllib.error.HTTPError as error:
        return error.code, None, ""
    except (OSError, ValueError, http.client.HTTPException) as error:
        return None, None, repr(error)


class Load:
    """`threads` writers: bookings, and now and then a short session on a free machine."""

    def __init__(self, stack, threads=4, session_seconds=20):
        self.stack, self.seed = stack, stack.seed
        self.base = f"{stack.url}/api/orgs/{self.seed['org']}"
        self.session_seconds = session_seconds
        # Bookings are made from tomorrow on: a start in the past is refused (back-dating).
        self.first_start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
        self.outcomes: list[Outcome] = []
        self.stopping = threading.Event()
        self.free_at = dict.fromkeys(self.seed["pcs"], 0.0)  # machine -> when it is free
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.work, args=(n,)) for n in range(threads)]

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def work(self, n: int) -> None:
        i = 0
        while not self.stopping.is_set():
            i += 1
            if i % 5 == 0 and (pc := self.take_pc()):
                self.run(n, "session", "POST", "sessions/", self.session_body(pc))
            elif i % 7 == 0:
                self.run(n, "read", "GET", "bookings/?page_size=20")
            else:
                at = self.first_start + timedelta(minutes=n * 100000 + i)
                body = {
                    "service": self.seed["service"],
                    "starts_at": at.isoformat(),
                    "customer_name": f"load {n}-{i}",
                }
                self.run(n, "booking", "POST", "bookings/", body)

    def take_pc(self):
        """A machine whose last session has ended (with a margin), or None."""
        with self.lock:
            at = time.monotonic()
            pc = next((pc for pc, free in self.free_at.items() if free <= at), None)
            if pc is not None:
                self.free_at[pc] = at + self.session_seconds + 3
            return pc

    def session_body(self, pc) -> dict:
        # One minute that started earlier: it ends `session_seconds` from now. That start may
        # lie in the previous minute, which back-dating refuses without `allow_past` (the
        # load runs as an operator, who may pass it).
        started = datetime.now(UTC) - timedelta(seconds=60 - self.session_seconds)
        return {"resource": pc, "minutes": 1, "starts_at": started.isoformat(), "allow_past": True}

    def run(self, writer, kind, method, tail, body=None) -> None:
        started = time.monotonic()
        status, answer, error = call_explained(
            f"{self.base}/{tail}", self.seed["token"], method, body
        )
        took = time.monotonic() - started
        outcome = Outcome(kind, status, answer, started, took, error, writer)
        with self.lock:
            self.outcomes.append(outcome)

    def count(self, kind: str, status: int) -> int:
        with self.lock:
            return sum(1 for o in self.outcomes if o.kind == kind and o.status == status)


@dataclass
class Listener:
    """One subscriber of one channel; `received` in arrival order, `runs` one list per
    connection (live frames), `replays` one list per catch-up fetch."""

    channel: str
    runs: list[list[int]] = field(default_factory=list)
    replays: list[list[int]] = field(default_factory=list)
    reconnects: int = 0
    local_port: int = 0  # of the current connection

    def seen(self) -> list[int]:
        return [i for run in self.runs for i in run] + [i for r in self.replays for i in r]

    def last(self) -> int:
        return max(self.seen(), default=0)


class Listeners:
    """Runs subscribers in a thread of their own until stopped."""

    def __init__(self, stack, channels):
        self.stack, self.seed = stack, stack.seed
        self.listeners = [Listener(channel) for channel in channels]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self.main()), name="listeners")

    def start(self) -> Listeners:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()

    async def main(self):
        await asyncio.gather(*(self.listen(listener) for listener in self.listeners))

    async def listen(self, listener: Listener) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(OSError, websockets.WebSocketException, TimeoutError):
                await self.session(listener)
            if not self.stopping.is_set():
                listener.reconnects += 1
                await asyncio.sleep(0.2)

    async def session(self, listener: Listener) -> None:
        key = self.stack.environment()["PUSHER_APP_KEY"]
        url = f"ws://127.0.0.1:{self.stack.port}/app/{key}?protocol=7&client=py"
        async with websockets.connect(url, compression=None, open_timeout=10) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
            socket_id = json.loads(hello["data"])["socket_id"]
            listener.local_port = ws.local_address[1]
            auth = private_auth(socket_id, listener.channel, self.signing_config())
            await ws.send(
                json.dumps(
                    {"event": "pusher:subscribe", "data": {"channel": listener.channel, **auth}}
                )
            )
            run: list[int] = []
            listener.runs.append(run)
            subscribed = False
            while not self.stopping.is_set():
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                except TimeoutError:
                    continue
                event = frame.get("event", "")
                if event == "pusher:ping":
                    await ws.send(json.dumps({"event": "pusher:pong", "data": {}}))
                elif event == "pusher_internal:subscription_succeeded" and not subscribed:
                    subscribed = True
                    # Subscribed first, then ask for what was missed (pages do the same).
                    await asyncio.to_thread(self.catch_up, listener)
                elif frame.get("channel") == listener.channel and not event.startswith("pusher"):
                    run.append(json.loads(frame["data"])["event_id"])

    def catch_up(self, listener: Listener) -> None:
        after = listener.last()
        while True:
            query = f"channel={listener.channel}&after={after}&limit=500"
            status, page = call(
                f"{self.stack.url}/api/realtime/events/?{query}", self.seed["token"]
            )
            if status != 200:
                raise OSError(f"replay answered {status}")
            ids = [event["event_id"] for event in page["events"]]
            listener.replays.append(ids)
            if not page["has_more"] or not ids:
                return
            after = ids[-1]

    def signing_config(self):
        from tests.realtime.server.support import make_config

        env = self.stack.environment()
        return make_config().with_changes(
            app_id=env["PUSHER_APP_ID"], key=env["PUSHER_APP_KEY"], secret=env["PUSHER_APP_SECRET"]
        )
