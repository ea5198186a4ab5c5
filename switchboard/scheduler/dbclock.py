"""The database's clock, the one clock every process of a deployment shares.

Leases compare times written by one machine with times read by another; asking the
database instead of each machine's own clock keeps them consistent when the machines'
clocks drift apart, and keeps a test that freezes `clock.now()` from freezing leases.
"""

from datetime import UTC, datetime

from django.db import connection


def database_now() -> datetime:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0].astimezone(UTC)
        if connection.vendor == "sqlite":
            cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
            value = datetime.fromisoformat(cursor.fetchone()[0])
            return value.replace(tzinfo=UTC)
    raise NotImplementedError(f"no database clock for {connection.vendor}")
