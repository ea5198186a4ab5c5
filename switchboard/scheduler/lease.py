"""Leadership: the lease row one process holds to run the jobs, and how it keeps it.

The holder counts its term from just before it asked the database, on its own monotonic
clock, and stops acting the moment that term (less a margin) has passed without a
renewal, which is always before any other process may take the lease over.
"""

import logging
import os
import secrets
import socket
import time
from datetime import timedelta

from django.db import DatabaseError, connection

from switchboard.scheduler import services

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


def process_identity() -> str:
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseKeeper:
    """Holds the lease for one process and knows, without asking, whether it still may act."""

    def __init__(self, *, name: str, holder: str, term: float):
        self.name = name
        self.holder = holder
        self.term = term
        self.margin = min(1.0, term / 10)
        self._deadline = 0.0

    def held(self) -> bool:
        return time.monotonic() < self._deadline

    def claim(self) -> bool:
        """Take or renew the lease. A database error keeps the current term running out."""
        asked_at = time.monotonic()
        try:
            ok = services.lease_claim(
                name=self.name, holder=self.holder, term=timedelta(seconds=self.term)
            )
        except Exception as exc:  # the database is unreachable or busy: the term runs on
            logger.warning("lease_claim_failed holder=%s error=%s", self.holder, exc)
            connection.close()
            return self.held()
        # The database stamped the new expiry after `asked_at`, so counting from here
        # ends our term before any other process can see the lease as expired.
        self._deadline = asked_at + self.term - self.margin if ok else 0.0
        return ok

    def release(self) -> None:
        self._deadline = 0.0
        try:
            services.lease_release(name=self.name, holder=self.holder)
        except DatabaseError as exc:
            logger.warning("lease_release_failed holder=%s error=%s", self.holder, exc)
