"""Webhooks to the configured URL: signed, queued, retried with back-off (§14).

Each event is its own request `{"time_ms", "events": [event]}`, signed with
`X-Pusher-Key` and `X-Pusher-Signature` (HMAC-SHA256 of the exact body bytes). A non-2xx
answer or a network error is retried with exponential back-off until the retry window
(5 minutes by default) has passed since the event happened. `time_ms` is the time of each
attempt, so that a receiver that checks freshness (the `pusher` library allows 300 s)
accepts a late retry too.

`channel_vacated` and `member_removed` wait a few seconds first (the caller does that,
see `subscriptions.py`), so that a page reload sends neither them nor the matching
`channel_occupied` / `member_added`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from switchboard.realtime.server.signing import webhook_signature

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 10.0


class WebhookSender:
    """Queues, signs and retries webhooks; decides which ones the server's changes send.

    Arrivals (`channel_occupied`, `member_added`) go out at once, unless the matching
    departure is still waiting out its delay, in which case both are dropped. Departures
    (`channel_vacated`, `member_removed`) are marked in the shared state and sent after the
    delay if nothing took the mark meanwhile; the mark lives in the cluster state, so a
    reload that lands on another process cancels it too.
    """

    def __init__(
        self,
        *,
        url: str,
        key: str,
        secret: str,
        retry_seconds: float = 300,
        delay_seconds: float = 3,
    ):
        self.url = url
        self.key = key
        self.secret = secret
        self.retry_seconds = retry_seconds
        self.delay_seconds = delay_seconds
        self.first_retry = FIRST_RETRY_SECONDS
        self.state = None
        self._delayed: set[asyncio.Task] = set()
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None
        self._retries: set[asyncio.Task] = set()
        self._client = None
        self.sent = 0
        self.failed = 0

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    async def start(self, state=None) -> None:
        """`state`: the server's cluster state, where pending departures are marked."""
        self.state = state
        if not self.enabled:
            return
        import httpx

        self._client = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS)
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._work())

    async def stop(self) -> None:
        tasks = [self._worker, *self._retries, *self._delayed]
        for task in tasks:
            if task is not None:
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._worker = None
        self._retries.clear()
        self._delayed.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- what the server reports ---------------------------------------------------------

    async def occupied(self, channel: str) -> None:
        await self._arrive(f"vacate:{channel}", {"name": "channel_occupied", "channel": channel})

    async def vacated(self, channel: str) -> None:
        await self._depart(f"vacate:{channel}", {"name": "channel_vacated", "channel": channel})

    async def member_added(self, channel: str, user_id: str) -> None:
        event = {"name": "member_added", "channel": channel, "user_id": user_id}
        await self._arrive(f"leave:{channel}\n{user_id}", event)

    async def member_removed(self, channel: str, user_id: str) -> None:
        event = {"name": "member_removed", "channel": channel, "user_id": user_id}
        await self._depart(f"leave:{channel}\n{user_id}", event)

    async def cache_miss(self, channel: str) -> None:
        # De-duplicated for a while, as hosted Pusher does.
        if await self.state.mark(f"cache_miss:{channel}", 10):
            self.send({"name": "cache_miss", "channel": channel})

    def client_event(self, *, channel, event, data, socket_id, user_id=None) -> None:
        body = {
            "name": "client_event",
            "channel": channel,
            "event": event,
            "data": data,
            "socket_id": socket_id,
        }
        if user_id is not None:
            body["user_id"] = user_id
        self.send(body)

    async def _arrive(self, key: str, event: dict) -> None:
        # A departure still waiting out its delay is cancelled, and this arrival with it:
        # the receiver never learned that anything left.
        if await self.state.take(key):
            return
        self.send(event)

    async def _depart(self, key: str, event: dict) -> None:
        await self.state.mark(key, self.delay_seconds + 30)
        task = asyncio.get_running_loop().create_task(self._depart_later(key, event))
        self._delayed.add(task)
        task.add_done_callback(self._delayed.discard)

    async def _depart_later(self, key: str, event: dict) -> None:
        await asyncio.sleep(self.delay_seconds)
        if await self.state.take(key):
            self.send(event)

    # -- delivery -------------------------------------------------------------------------

    def send(self, event: dict) -> None:
        """Queue one event; returns at once."""
        if self._queue is None:
            return
        self._queue.put_nowait((event, time.monotonic()))

    async def _work(self) -> None:
        while True:
            event, since = await self._queue.get()
            if not await self._post(event):
                task = asyncio.get_running_loop().create_task(self._retry(event, since))
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)

    async def _retry(self, event: dict, since: float) -> None:
        delay = self.first_retry
        while time.monotonic() + delay - since <= self.retry_seconds:
            await asyncio.sleep(delay)
            if await self._post(event):
                return
            delay = min(delay * 2, LONGEST_RETRY_SECONDS)
        self.failed += 1
        logger.warning(
            "webhook_given_up name=%s channel=%s", event.get("name"), event.get("channel")
        )

    async def _post(self, event: dict) -> bool:
        body = json.dumps(
            {"time_ms": int(time.time() * 1000), "events": [event]}, separators=(",", ":")
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Pusher-Key": self.key,
            "X-Pusher-Signature": webhook_signature(self.secret, body),
        }
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except Exception as exc:  # any network failure is retried
            logger.info(
                "webhook_failed name=%s error=%s", event.get("name"), exc.__class__.__name__
            )
            return False
        if 200 <= response.status_code < 300:
            self.sent += 1
            return True
        logger.info("webhook_refused name=%s status=%s", event.get("name"), response.status_code)
        return False
