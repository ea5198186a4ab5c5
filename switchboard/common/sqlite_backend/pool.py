"""Open SQLite connections kept for the next request: a few per database file and process.

Under ASGI each request's sync code runs in a thread of its own, and Django closes the
thread's connection when the request ends, so every request paid for a new one: the open,
Django's SQL functions registered again, its PRAGMAs, and every statement compiled afresh
(SQLite keeps compiled statements per connection). That was more than the request's own
work for a booking create, and the compiling fell inside the write transaction, where it
holds up every other writer (docs/performance.md, "Round nine").

A connection goes back only when Django closes it outside any transaction. It is handed
out again only in the process that opened it, and only while the database's path still
names the file it opened: a test database deleted and made again is another file, and its
old connections are closed instead.
"""

import os
import sqlite3
import threading


class ConnectionPool:
    """Idle connections, newest first, at most `size` per file (given back with it)."""

    def __init__(self):
        self._idle: dict[tuple, list[sqlite3.Connection]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def take(self, path: str) -> tuple[sqlite3.Connection | None, tuple | None]:
        """An idle connection to the file at `path` and the file's identity; (None, None)
        when the file does not exist yet (opening it will make it)."""
        identity = file_identity(path)
        if identity is None:
            return None, None
        with self._lock:
            self._forget_after_fork()
            idle = self._idle.get(identity)
            stale = self._stale(path, identity)
            connection = idle.pop() if idle else None
        for old in stale:
            old.close()
        return connection, identity

    def give_back(self, identity: tuple | None, connection: sqlite3.Connection, size: int) -> bool:
        """Keep `connection` for the next request; False when it must be closed instead."""
        if identity is None or connection.in_transaction or os.getpid() != self._pid:
            return False
        with self._lock:
            idle = self._idle.setdefault(identity, [])
            if len(idle) >= size:
                return False
            idle.append(connection)
            return True

    def close_all(self) -> None:
        with self._lock:
            everything = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in everything:
            connection.close()

    def _stale(self, path: str, identity: tuple) -> list[sqlite3.Connection]:
        """Connections to an earlier file at `path`, taken out of the pool."""
        stale = []
        for key in [k for k in self._idle if k[0] == path and k != identity]:
            stale += self._idle.pop(key)
        return stale

    def _forget_after_fork(self) -> None:
        # A connection must not cross a fork: the child drops (never closes) the parent's.
        if os.getpid() != self._pid:
            self._idle.clear()
            self._pid = os.getpid()


def file_identity(path: str) -> tuple | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return (path, found.st_dev, found.st_ino)


# One per process: a connection is shared by no two threads at once, whoever opened it.
POOL = ConnectionPool()
