"""PostgreSQL: a statement that inserts outbox rows notifies the relay's listener itself.

The writer used to send `NOTIFY switchboard_outbox` as a statement of its own, one more
round trip in every write transaction. A statement-level trigger does the same inside the
insert: PostgreSQL delivers the notification only if the transaction commits, and folds
the same channel and payload into one per transaction, as before. SQLite has no
LISTEN/NOTIFY (a nudge through Redis wakes the relay there); this is a no-op on it.
"""

from django.db import migrations

CHANNEL = "switchboard_outbox"  # realtime/wakeups.py listens on it
FUNCTION = "realtime_outbox_notify"
TRIGGER = "realtime_outbox_inserted"


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON realtime_outboxevent "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON realtime_outboxevent")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("realtime", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
