"""SQLite's write-lock waits, for /metrics: every connection times its BEGIN IMMEDIATE.

Apart from `metrics` because the real-time server imports that and must not load the ORM.
"""

import time

from django.db import OperationalError

from switchboard.common.metrics import SQLITE_BEGIN_WAIT, SQLITE_BUSY_WAITS, SQLITE_LOCKED
from switchboard.common.sqlite_wait import in_brief_wait

BUSY_THRESHOLD = 0.005


def sqlite_lock_timer(execute, sql, params, many, context):
    """Django execute wrapper: times the BEGIN that waits for SQLite's write lock."""
    if not sql.startswith("BEGIN"):
        return _count_locked(execute, sql, params, many, context)
    started = time.perf_counter()
    try:
        return _count_locked(execute, sql, params, many, context)
    finally:
        waited = time.perf_counter() - started
        SQLITE_BEGIN_WAIT.observe(waited)
        if waited > BUSY_THRESHOLD:
            SQLITE_BUSY_WAITS.inc()


def _count_locked(execute, sql, params, many, context):
    try:
        return execute(sql, params, many, context)
    except OperationalError as exc:
        if "locked" in str(exc) and not in_brief_wait():  # a brief wait gives up on purpose
            SQLITE_LOCKED.inc()
        raise


def watch_sqlite(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: every new SQLite connection times its lock waits."""
    if connection.vendor == "sqlite" and sqlite_lock_timer not in connection.execute_wrappers:
        connection.execute_wrappers.append(sqlite_lock_timer)
