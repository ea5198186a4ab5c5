"""Timed sessions: an index for the expiry job's deadline, and on PostgreSQL an exclusion
constraint forbidding two overlapping open sessions of one resource.

"Open" in the constraint is `status = 'active'`, and the overlap is of the time range
[starts_at, ends_at). A session whose end has passed but which the expiry job has not yet
completed keeps `status = 'active'`, yet its range ends at its `ends_at`, so it does not
overlap a new session starting at or after that end: the constraint agrees with the derived
status ("free at the end") without depending on when the sweep runs. Ending a session early
shortens its range to the moment it ended.

SQLite has no exclusion constraints; there the lock and re-check in the services are the
guard, and this part is a no-op.
"""

from django.db import migrations

INDEX = "booking_open_session_ends"
CONSTRAINT = "booking_session_no_overlap"


def add_overlap_guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE bookings_booking ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (workflow = 'session' AND status = 'active' AND resource_id IS NOT NULL)"
    )


def drop_overlap_guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_bookings_and_audit_trail"),
    ]

    operations = [
        # A partial index over open sessions only: the deadline query (the earliest end)
        # and the due query read a few rows however many sessions have finished.
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX {INDEX} ON bookings_booking (ends_at) "
                "WHERE workflow = 'session' AND status = 'active'"
            ),
            reverse_sql=f"DROP INDEX {INDEX}",
        ),
        migrations.RunPython(add_overlap_guard, drop_overlap_guard),
    ]
