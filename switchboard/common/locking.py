"""A lock held across processes, for work that must never run twice at once.

On PostgreSQL it is an advisory lock (`pg_try_advisory_lock`); on SQLite, which lives on
one machine by nature, an `flock` on a file beside the database. Both are released by
the database or the operating system if the process dies, so a crash never leaves it
held. A caller waits up to `wait_seconds`, then gets a 409 saying the work is running.
"""

import fcntl
import hashlib
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from switchboard.common.errors import Conflict

POLL_SECONDS = 0.05


class LockBusy(Conflict):
    """Someone else holds the lock: the work is running elsewhere."""

    default_message = "This is running already; try again shortly."


@dataclass(frozen=True)
class ProcessLock:
    # `name` names the SQLite lock file; `advisory_key` is any 64-bit number unique to this
    # lock among the project's PostgreSQL advisory locks.
    name: str
    advisory_key: int

    def file_path(self) -> Path:
        database = str(connection.settings_dict["NAME"])
        if database and ":memory:" not in database and "mode=memory" not in database:
            return Path(f"{database}.{self.name}.lock")
        digest = hashlib.sha1(database.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"switchboard-{digest}.{self.name}.lock"

    @contextmanager
    def hold(self, *, wait_seconds: float, busy: type[LockBusy] = LockBusy, message: str = ""):
        """Hold the lock, waiting up to `wait_seconds`; else raise `busy` (a 409)."""
        holding = _Holding(self)
        deadline = time.monotonic() + wait_seconds
        while not holding.try_acquire():
            if time.monotonic() >= deadline:
                raise busy(message or None, running=True)
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            holding.release()


class _Holding:
    """One attempt to hold a `ProcessLock`, on this thread's database connection."""

    def __init__(self, lock: ProcessLock):
        self.lock = lock
        self._file = None

    def try_acquire(self) -> bool:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.lock.advisory_key])
                return bool(cursor.fetchone()[0])
        handle = open(self.lock.file_path(), "a")  # noqa: SIM115 - held until release
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self.lock.advisory_key])
            return
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
