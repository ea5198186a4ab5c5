"""Django's SQLite backend, with writers let in one at a time in arrival order.

SQLite has one write lock. A writer that finds it taken sleeps in the busy handler and
tries again after 1, 2, 5 … 100 ms, so under load the writers that happen to retry at the
right moment pass again and again while others wait seconds. Here a transaction first
takes a gate: a lock shared by the process's threads, then an advisory lock (flock) on a
file beside the database, shared by every process. Each waits in the kernel and is woken
when the lock is released, so the write lock goes round the waiters instead of to the
luckiest one (docs/performance.md, "SQLite writers").

A writer in a brief wait (`common.sqlite_wait`: bookkeeping that would rather come back
later) waits for the gate no longer than its bound, then gives up as SQLite would.

Correctness never rests on the gate: SQLite's own lock still decides, and a process that
opens the file without the gate (the sqlite3 shell, a backup) is merely not queued.
"""

import fcntl
import os
import threading
import time

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

from switchboard.common.sqlite_backend.creation import DatabaseCreation
from switchboard.common.sqlite_backend.pool import POOL, file_identity
from switchboard.common.sqlite_wait import brief_wait_seconds

# As long as SQLite's busy timeout: past it a writer gives up with "database is locked".
GATE_TIMEOUT = 30.0

_gates: dict[str, "_Gate"] = {}
_gates_lock = threading.Lock()


class _Gate:
    """One per database file and process: a thread lock, then the file's flock."""

    def __init__(self, path: str):
        self.path = path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None

    def enter(self, timeout: float, *, brief: bool = False) -> None:
        if not self.thread_lock.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for the write gate)")
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if brief:
                self._flock_within(timeout)
            else:
                # Blocks in the kernel (the GIL is released) until the holder lets go; a
                # process that dies holding it lets go too.
                fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.thread_lock.release()
            raise

    def _flock_within(self, timeout: float) -> None:
        """For a brief wait (`common.sqlite_wait`): try until `timeout`, then give up."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked (write gate)") from None
                time.sleep(0.001)

    def leave(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.thread_lock.release()


# Statements converted to SQLite's placeholders, by their text in Django's style.
_converted: dict[str, str] = {}
_CONVERTED_KEPT = 1024


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, converting each statement's `%s` placeholders to `?` once.

    Django converts with a regular expression at every execution: for the long reads of
    the write path (the candidates' correlated subqueries) that cost more of the worker's
    Python than SQLite took to run them, much of it inside the write transaction. The same
    text comes back converted the same way, so the answer is kept (and the very same
    string object reaches sqlite3's statement cache)."""

    def convert_query(self, query, *, param_names=None):
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)
        converted = _converted.get(query)
        if converted is None:
            converted = super().convert_query(query)
            if len(_converted) >= _CONVERTED_KEPT:
                _converted.clear()  # ad-hoc statements: start again rather than grow
            _converted[query] = converted
        return converted


def gate_for(database_path: str) -> _Gate:
    with _gates_lock:
        gate = _gates.get(database_path)
        if gate is None:
            gate = _gates[database_path] = _Gate(f"{database_path}.write-gate")
        return gate


class DatabaseWrapper(base.DatabaseWrapper):
    """OPTIONS["pool"]: how many idle connections each process keeps for the next request
    (`pool.py`); 0 closes each connection when Django lets go of it, as Django does."""

    creation_class = DatabaseCreation

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._gate_held: _Gate | None = None
        self._file: tuple | None = None  # the identity of the file the connection opened

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("pool", None)
        return params

    def _pool_size(self) -> int:
        if self.is_in_memory_db():
            return 0
        return int(self.settings_dict["OPTIONS"].get("pool") or 0)

    def get_new_connection(self, conn_params):
        self._file = None
        if not self._pool_size():
            return super().get_new_connection(conn_params)
        path = os.path.abspath(str(self.settings_dict["NAME"]))
        kept, self._file = POOL.take(path)
        if kept is not None:
            return kept
        connection = super().get_new_connection(conn_params)
        self._file = file_identity(path)
        return connection

    def _gate(self) -> _Gate | None:
        if self.is_in_memory_db():
            return None
        return gate_for(os.path.abspath(str(self.settings_dict["NAME"])))

    def _start_transaction_under_autocommit(self):
        gate = self._gate()
        if gate is not None and self._gate_held is None:
            brief = brief_wait_seconds()
            gate.enter(GATE_TIMEOUT if brief is None else brief, brief=brief is not None)
            self._gate_held = gate
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_gate()
            raise

    def _leave_gate(self):
        gate, self._gate_held = self._gate_held, None
        if gate is not None:
            gate.leave()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_gate()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_gate()

    def _close(self):
        try:
            if not self._kept_for_later():
                super()._close()
        finally:
            self._leave_gate()

    def _kept_for_later(self) -> bool:
        """Back to the pool, when closed outside any transaction (a connection closed
        inside one, or with a rollback pending, is closed for real)."""
        size = self._pool_size()
        if not size or self.connection is None or self.in_atomic_block or self.needs_rollback:
            return False
        return POOL.give_back(self._file, self.connection, size)
