"""`manage.py backup` while bookings are being written, then `restore` into a fresh
database: every booking and event committed before the backup started is there."""

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from switchboard.bookings.models import Booking
from switchboard.common.tenancy import cross_org
from switchboard.operations import backup
from switchboard.realtime.models import OutboxEvent
from tests.bookings.factories import START, book, car_wash
from tests.support.wait import wait_until


class Writer(threading.Thread):
    """Creates bookings through the service until told to stop; remembers each committed."""

    def __init__(self, org, service, user):
        super().__init__(name="booking-writer")
        self.org, self.service, self.user = org, service, user
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with cross_org():
                n = 0
                while not self.stop.is_set():
                    n += 1
                    at = START + timedelta(minutes=15 * n)
                    self.committed.append(book(self.org, self.service, self.user, at=at).pk)
        except BaseException as exc:  # handed to the test
            self.error = exc
        finally:
            connection.close()


def fresh_database(tmp_path: Path) -> dict:
    """Settings of an empty database beside the test one, of the same kind."""
    target = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        target["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        target["NAME"] = f"{connection.settings_dict['NAME']}_restored"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')
            cursor.execute(f'CREATE DATABASE "{target["NAME"]}"')
    return target


def ids_in(database: dict, table: str) -> set[int]:
    if database["ENGINE"] in backup.SQLITE_ENGINES:
        with sqlite3.connect(database["NAME"]) as db:
            return {row[0] for row in db.execute(f"SELECT id FROM {table}")}
    conninfo = {
        "host": database["HOST"],
        "port": database["PORT"],
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
        "dbname": database["NAME"],
    }
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}) as db:
        return {row[0] for row in db.execute(f"SELECT id FROM {table}")}


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_bookings_are_written_restores_every_committed_one(
    org, operator, tmp_path
):
    writer = Writer(org, car_wash(org), operator)
    writer.start()
    try:
        wait_until(lambda: len(writer.committed) >= 20 or writer.error)
        bookings_before = set(writer.committed)
        events_before = set(OutboxEvent.objects.values_list("id", flat=True))
        output = tmp_path / "backup.dump"
        call_command("backup", output=str(output))
        # Still writing after the backup: the writes really overlapped it.
        count_at_end = len(writer.committed)
        wait_until(lambda: len(writer.committed) > count_at_end or writer.error)
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None, writer.error

    target = fresh_database(tmp_path)
    try:
        backup.restore(output, database=target)
        restored_bookings = ids_in(target, Booking._meta.db_table)
        restored_events = ids_in(target, OutboxEvent._meta.db_table)
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')
    assert bookings_before and bookings_before <= restored_bookings
    assert events_before and events_before <= restored_events
    # Nothing the backup holds was invented: it is a moment of the live database.
    assert restored_bookings <= set(Booking.objects.values_list("id", flat=True))


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    before = Booking.objects.count()
    with pytest.raises(CommandError, match="not a"):
        call_command("restore", str(bogus))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing"))
    assert Booking.objects.count() == before


def test_the_daily_job_keeps_only_the_newest_backups(db, settings, tmp_path):
    from switchboard.operations.jobs import backup_database

    settings.BACKUP = {"DIR": str(tmp_path), "KEEP": 2, "AT": "02:30"}
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (tmp_path / f"switchboard-{stamp}.sqlite3").write_bytes(b"old")
    counts = backup_database()
    assert counts["written"] == 1 and counts["removed"] == 2
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert len(kept) == 2 and "switchboard-20260103T000000Z.sqlite3" in kept
