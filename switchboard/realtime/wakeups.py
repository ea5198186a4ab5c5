"""Waking the relay when another process commits events.

A commit in the process that runs the relay wakes it directly (`relay.nudge`). A commit in
any other worker used to wait for the relay's fallback poll; now it tells the relay:

- on PostgreSQL the insert of outbox rows notifies `switchboard_outbox` through a trigger
  (migration `realtime/0002`: delivered only if the transaction commits, and once per
  transaction however many rows it wrote), and the leading process LISTENs on a
  connection of its own;
- with `REDIS_URL` set, the writer publishes a nudge on a Redis channel after its commit,
  and the leading process subscribes to it.

The listener is a thread started by the relay job itself (`ensure_listening`), so it runs
only in the process that holds the scheduler's lease, and it ends when that process stops
leading. The fallback poll stays, for whatever a lost notification would miss.

While the listener listens it hears this process's own commits as well, so a commit here
does not also wake the relay directly (`relay.commits_heard`): woken twice per commit, the
relay ran more often, and its extra runs mostly found nothing to send.
"""

import logging
import threading

from django.conf import settings
from django.db import connection, connections, transaction

from switchboard.realtime import relay
from switchboard.scheduler import runner

logger = logging.getLogger(__name__)

CHANNEL = "switchboard_outbox"
# How often the listener looks whether this process still leads.
CHECK_SECONDS = 0.5

_listener: threading.Thread | None = None
_listener_lock = threading.Lock()
_redis_client = None


def announce_commit() -> None:
    """Called inside a transaction that wrote outbox rows: tell the relay's process (on
    PostgreSQL the insert's trigger has told it already)."""
    if settings.REDIS_URL:
        transaction.on_commit(_redis_nudge)


def _redis_nudge() -> None:
    global _redis_client
    try:
        if _redis_client is None:
            import redis

            _redis_client = redis.Redis.from_url(settings.REDIS_URL)
        _redis_client.publish(CHANNEL, b"1")
    except Exception as exc:  # the poll still finds the events; never fail a commit
        logger.warning("outbox_redis_nudge_failed error=%s", exc)


def _leading() -> bool:
    active = runner.current()
    return active is not None and active.is_leader


def ensure_listening() -> None:
    """Start this process's listener unless one runs (the relay job calls this)."""
    global _listener
    if connection.vendor != "postgresql" and not settings.REDIS_URL:
        return
    if not _leading():  # called outside the runner (a test, a tool): nobody to wake
        return
    with _listener_lock:
        if _listener is not None and _listener.is_alive():
            return
        _listener = threading.Thread(target=_listen, name="outbox-listener", daemon=True)
        _listener.start()


def _listen() -> None:
    vendor = connections["default"].vendor
    try:
        if vendor == "postgresql":
            _listen_postgresql()
        elif settings.REDIS_URL:
            _listen_redis()
    except Exception as exc:
        # The relay job starts a new listener at its next run; the poll covers the gap.
        logger.warning("outbox_listener_failed error=%s", exc)
    finally:
        relay.commits_heard = False  # this process's commits nudge the relay themselves
        connections.close_all()


def _listen_postgresql() -> None:
    import psycopg

    params = connections["default"].settings_dict
    with psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        logger.info("outbox_listening via=postgresql")
        relay.commits_heard = True  # the trigger notifies for this process's commits too
        relay.nudge()  # whatever committed before LISTEN took effect
        while _leading():
            woken = False
            for _ in conn.notifies(timeout=CHECK_SECONDS):
                woken = True
                break
            if woken:
                relay.nudge()


def _listen_redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(CHANNEL)
        logger.info("outbox_listening via=redis")
        relay.commits_heard = True  # this process publishes its own commits' nudges too
        relay.nudge()
        while _leading():
            if pubsub.get_message(timeout=CHECK_SECONDS) is not None:
                relay.nudge()
    finally:
        pubsub.close()
        client.close()
