"""Writes that would rather come back later than queue for SQLite's write lock.

SQLite has one write lock per database, and its busy handler is no queue: a writer that
finds the lock taken sleeps (1, 2, 5 … then 100 ms at a time) and tries again, so a thread
that writes now and then can lose for seconds to one that commits back to back (the expiry
sweep at peak). Bookkeeping that may be written a moment later — the relay's marks, the
scheduler's summaries of frequent jobs — waits briefly instead, and its caller keeps it
for a later try rather than holding up what comes after it.

On PostgreSQL (row locks, no database-wide write lock) `brief_lock_wait` changes nothing.
"""

import threading
from contextlib import contextmanager

from django.db import OperationalError, connection

_local = threading.local()


class WriteLockTaken(Exception):
    """SQLite's write lock stayed taken for the whole brief wait: nothing was written."""


def in_brief_wait() -> bool:
    """Whether this thread is inside `brief_lock_wait` (a "locked" error is expected)."""
    return getattr(_local, "depth", 0) > 0


def brief_wait_seconds() -> float | None:
    """The bound of this thread's brief wait, if it is in one (the write gate of
    `common.sqlite_backend` waits no longer than this either)."""
    return getattr(_local, "seconds", None) if in_brief_wait() else None


@contextmanager
def brief_lock_wait(ms: int):
    """Let the statements inside wait at most `ms` for SQLite's lock; raise
    `WriteLockTaken` when one gave up. Use it around a statement in autocommit or around a
    whole `transaction.atomic()` block (its BEGIN IMMEDIATE then fails fast, before
    anything is written), not inside a transaction already open."""
    if connection.vendor != "sqlite":
        yield
        return
    configured = int(float(connection.settings_dict["OPTIONS"].get("timeout", 5)) * 1000)
    _local.depth = getattr(_local, "depth", 0) + 1
    outer, _local.seconds = getattr(_local, "seconds", None), ms / 1000
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
        yield
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        raise WriteLockTaken(str(exc)) from exc
    finally:
        _local.depth -= 1
        _local.seconds = outer
        if connection.connection is not None:  # not closed meanwhile
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {configured}")
