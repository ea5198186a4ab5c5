"""Webhooks to the configured URL: signed, journaled, retried with back-off (§14).

Each event is its own request `{"time_ms", "events": [event]}`, signed with
`X-Pusher-Key` and `X-Pusher-Signature` (HMAC-SHA256 of the exact body bytes). Queued
events are rows of the journal (`journal.py`, a SQLite file), removed once the receiver
accepts them, so a server killed mid-way sends them after its restart (at least once: one
posted but not yet removed is posted again). A non-2xx answer or a network error is
retried with exponential back-off until the retry window (5 minutes by default) has passed
since the event happened. `time_ms` is the time of each
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
import os
import secrets
import socket
import time

from switchboard.common.metrics import PUSHER_WEBHOOK_QUEUE, WEBHOOK_ATTEMPTS, WEBHOOK_GIVEN_UP
from switchboard.realtime.server.journal import Entry, WebhookJournal
from switchboard.realtime.server.signing import webhook_signature

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 10.0
# A claimed row is another sender's again this long after its request's timeout.
CLAIM_MARGIN_SECONDS = 5.0
# The sender looks at the journal at least this often (rows queued by other processes).
POLL_SECONDS = 1.0


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
        journal_path: str = "",
    ):
        self.url = url
        self.key = key
        self.secret = secret
        self.retry_seconds = retry_seconds
        self.delay_seconds = delay_seconds
        self.first_retry = FIRST_RETRY_SECONDS
        self.journal_path = journal_path
        self.journal: WebhookJournal | None = None
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.state = None
        self._delayed: set[asyncio.Task] = set()
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task | None = None
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
        self.journal = WebhookJournal(self.journal_path)
        self._wake = asyncio.Event()
        self._worker = asyncio.get_running_loop().create_task(self._work())
        logger.info(
            "webhook_journal_open path=%s pending=%d",
            self.journal_path or ":memory:",
            self.journal.pending(),
        )

    async def stop(self) -> None:
        tasks = [self._worker, *self._delayed]
        for task in tasks:
            if task is not None:
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._worker = None
        self._delayed.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self.journal is not None:
            self.journal.close()
            self.journal = None

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
        """Journal one event and wake the sender; returns at once."""
        if self.journal is None:
            return
        self.journal.add(event, at=time.time())
        self._wake.set()

    def pending(self) -> int:
        return self.journal.pending() if self.journal is not None else 0

    async def _work(self) -> None:
        while True:
            try:
                due = self.journal.claim_due(
                    at=time.time(),
                    holder=self.holder,
                    hold=REQUEST_TIMEOUT_SECONDS + CLAIM_MARGIN_SECONDS,
                )
                for entry in due:
                    await self._attempt(entry)
            except asyncio.CancelledError:
                raise
            except Exception:  # the journal busy or broken: log, wait, go on
                logger.exception("webhook_journal_failed")
                due = []
            with contextlib.suppress(Exception):  # a figure, never a reason to stop
                PUSHER_WEBHOOK_QUEUE.set(self.journal.pending())
            if not due:
                await self._sleep()

    async def _sleep(self) -> None:
        wait = POLL_SECONDS
        try:
            next_due = self.journal.next_due()
        except Exception:  # busy or broken: look again after the poll
            logger.exception("webhook_journal_failed")
            next_due = None
        if next_due is not None:
            wait = min(wait, max(0.0, next_due - time.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)
        self._wake.clear()

    async def _attempt(self, entry: Entry) -> None:
        if await self._post(entry.event):
            self.journal.done(entry.id)
            return
        attempts = entry.attempts + 1
        delay = min(self.first_retry * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS)
        at = time.time() + delay
        if at - entry.created > self.retry_seconds:
            self.journal.done(entry.id)
            self.failed += 1
            WEBHOOK_GIVEN_UP.labels("pusher").inc()
            logger.warning(
                "webhook_given_up name=%s channel=%s attempts=%d",
                entry.event.get("name"),
                entry.event.get("channel"),
                attempts,
            )
            return
        self.journal.retry(entry.id, at=at, attempts=attempts)

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
            WEBHOOK_ATTEMPTS.labels("pusher", "failed").inc()
            logger.info(
                "webhook_failed name=%s error=%s", event.get("name"), exc.__class__.__name__
            )
            return False
        if 200 <= response.status_code < 300:
            self.sent += 1
            WEBHOOK_ATTEMPTS.labels("pusher", "delivered").inc()
            return True
        WEBHOOK_ATTEMPTS.labels("pusher", "failed").inc()
        logger.info("webhook_refused name=%s status=%s", event.get("name"), response.status_code)
        return False
