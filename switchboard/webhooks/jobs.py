"""The `send_webhooks` job: woken on commit of a change that queued deliveries, polling as
a fallback. It only hands the due head of each endpoint to a small pool of sender threads
and returns, so a slow endpoint holds up neither requests nor the other jobs (the relay
runs on the same job thread). A finished attempt wakes the job again for the next one.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connection

from switchboard.common.clock import now
from switchboard.common.tenancy import cross_org
from switchboard.scheduler import audit, registry, runner
from switchboard.scheduler.schedules import Continuous, DailyAt
from switchboard.webhooks import selectors, sender, services

logger = logging.getLogger(__name__)

SEND_JOB = "send_webhooks"
PRUNE_JOB = "prune_webhook_deliveries"

_lock = threading.Lock()
_in_flight: set[int] = set()  # endpoint ids with an attempt running in this process
_pool: ThreadPoolExecutor | None = None


def wake_sender() -> None:
    runner.wake(SEND_JOB)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.WEBHOOKS["CONCURRENCY"], thread_name_prefix="webhook-send"
            )
        return _pool


def in_flight() -> int:
    with _lock:
        return len(_in_flight)


def send_webhooks() -> dict:
    with _lock:
        busy = set(_in_flight)
    free = settings.WEBHOOKS["CONCURRENCY"] - len(busy)
    dispatched = 0
    for delivery in sender.due_heads(exclude_endpoints=busy, limit=free):
        if not sender.claim(delivery):
            continue
        with _lock:
            _in_flight.add(delivery.endpoint_id)
        _executor().submit(_deliver, delivery)
        dispatched += 1
    return {"dispatched": dispatched}


def _deliver(delivery) -> None:
    try:
        with cross_org():
            sender.record(delivery, sender.attempt(delivery))
    except Exception:
        # The claim runs out and the delivery is tried again: nothing is lost.
        logger.exception("webhook_send_failed delivery=%s", delivery.msg_id)
    finally:
        connection.close()
        with _lock:
            _in_flight.discard(delivery.endpoint_id)
        wake_sender()


def prune_webhook_deliveries() -> dict:
    retention = timedelta(days=settings.WEBHOOKS["RETENTION_DAYS"])
    return {"deleted": services.deliveries_prune(older_than=now() - retention)}


def webhooks_overdue_check() -> tuple[int, list[str]]:
    late = timedelta(seconds=settings.WEBHOOKS["OVERDUE_SECONDS"])
    return selectors.overdue(due_before=now() - late)


def register() -> None:
    config = settings.SCHEDULER
    poll = timedelta(seconds=settings.WEBHOOKS["POLL_SECONDS"])
    registry.register(SEND_JOB, Continuous(poll=poll), send_webhooks)
    registry.register(
        PRUNE_JOB,
        DailyAt.parse(config["PRUNE_AT"], config["TIME_ZONE"]),
        prune_webhook_deliveries,
    )
    audit.register_check("webhooks_overdue", webhooks_overdue_check)
    services.queued_hooks.register(wake_sender)
