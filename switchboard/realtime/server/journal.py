"""The webhook journal: every queued Pusher webhook is a row in a SQLite file (stdlib
`sqlite3`, no ORM) until the receiver has accepted it or its retry window has passed.

WAL mode with `synchronous=NORMAL`: a row is in the file once `add` returns, so a process
killed with SIGKILL loses nothing it had queued (only a power cut could drop the last
commits). Several processes on one host share the file: a sender claims the rows it is
about to post for a while (`claimed_until`), so no two post one row at once, and a row
claimed by a process that died is free again once the claim runs out. Every operation is
one short statement or transaction, cheap enough to run on the event loop.

An empty path keeps the journal in memory (tests, and a server with no file configured).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    created REAL NOT NULL,
    next_attempt REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until REAL
);
CREATE INDEX IF NOT EXISTS webhook_due ON webhook (next_attempt, id);
"""


@dataclass(frozen=True)
class Entry:
    id: int
    event: dict
    created: float
    attempts: int


class WebhookJournal:
    def __init__(self, path: str = ""):
        self.path = path
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            path or ":memory:", timeout=5.0, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock:
            if path:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, event: dict, *, at: float) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO webhook (event, created, next_attempt) VALUES (?, ?, ?)",
                (json.dumps(event, separators=(",", ":")), at, at),
            )
            return cursor.lastrowid

    def claim_due(self, *, at: float, holder: str, hold: float, limit: int = 50) -> list[Entry]:
        """Rows due by `at` and not claimed by a live sender, in id order, now ours."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute(
                    "SELECT id, event, created, attempts FROM webhook"
                    " WHERE next_attempt <= ? AND (claimed_until IS NULL OR claimed_until <= ?)"
                    " ORDER BY id LIMIT ?",
                    (at, at, limit),
                ).fetchall()
                self._db.executemany(
                    "UPDATE webhook SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                    [(holder, at + hold, row[0]) for row in rows],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return [Entry(row[0], json.loads(row[1]), row[2], row[3]) for row in rows]

    def done(self, entry_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM webhook WHERE id = ?", (entry_id,))

    def retry(self, entry_id: int, *, at: float, attempts: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE webhook SET next_attempt = ?, attempts = ?, claimed_by = NULL,"
                " claimed_until = NULL WHERE id = ?",
                (at, attempts, entry_id),
            )

    def next_due(self) -> float | None:
        """When the next row may be sent (a claimed one: when its claim runs out)."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(MAX(next_attempt, COALESCE(claimed_until, 0))) FROM webhook"
            ).fetchone()
        return row[0]

    def pending(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM webhook").fetchone()[0]
