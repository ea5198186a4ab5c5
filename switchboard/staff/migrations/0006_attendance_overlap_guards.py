"""On PostgreSQL, the database holds two more attendance invariants:

- no two logs of one person overlap: an exclusion constraint over the range
  [clock_in_at, clock_out_at), an open log running to infinity. Back-to-back logs (one ends
  when the next starts) are allowed.
- a break lies inside its log: a trigger on breaks (insert, update) and one on logs (update
  of the times) refuse a break starting before its log's clock-in or ending after its
  clock-out, an open break counting as running on. They raise SQLSTATE 23514
  (check_violation), which Django reports as IntegrityError. The break trigger takes a share
  lock on the log row, so a concurrent change of the log's times waits for it and then sees
  the break: the check holds under concurrency, not only behind the services' lock.

SQLite has neither exclusion constraints nor this kind of trigger; there the services (the
person's row locked and their state re-checked) are the guard, and this migration is a no-op.
"""

from django.db import migrations

CONSTRAINT = "clocklog_no_overlap"
BREAK_FUNCTION = "staff_break_inside_log"
LOG_FUNCTION = "staff_log_holds_breaks"
BREAK_TRIGGER = "staff_break_inside_log_trg"
LOG_TRIGGER = "staff_log_holds_breaks_trg"
# The name both triggers report, so the services can tell this violation apart.
GUARD = "break_inside_log"

BREAK_CHECK = f"""
CREATE OR REPLACE FUNCTION {BREAK_FUNCTION}() RETURNS trigger AS $$
DECLARE
    log_in timestamptz;
    log_out timestamptz;
BEGIN
    SELECT clock_in_at, clock_out_at INTO log_in, log_out
        FROM staff_clocklog WHERE id = NEW.log_id FOR SHARE;
    IF NEW.started_at < log_in
       OR COALESCE(NEW.ended_at, 'infinity') > COALESCE(log_out, 'infinity') THEN
        RAISE EXCEPTION '{GUARD}: break % lies outside its clock log %', NEW.id, NEW.log_id
            USING ERRCODE = 'check_violation', CONSTRAINT = '{GUARD}';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER {BREAK_TRIGGER} BEFORE INSERT OR UPDATE ON staff_break
    FOR EACH ROW EXECUTE FUNCTION {BREAK_FUNCTION}();
"""

LOG_CHECK = f"""
CREATE OR REPLACE FUNCTION {LOG_FUNCTION}() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM staff_break
        WHERE log_id = NEW.id
          AND (started_at < NEW.clock_in_at
               OR COALESCE(ended_at, 'infinity') > COALESCE(NEW.clock_out_at, 'infinity'))
    ) THEN
        RAISE EXCEPTION '{GUARD}: clock log % would leave a break outside it', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = '{GUARD}';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER {LOG_TRIGGER} AFTER UPDATE OF clock_in_at, clock_out_at ON staff_clocklog
    FOR EACH ROW EXECUTE FUNCTION {LOG_FUNCTION}();
"""


def add_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE staff_clocklog ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (staff_id WITH =, "
        "tstzrange(clock_in_at, COALESCE(clock_out_at, 'infinity'), '[)') WITH &&)"
    )
    # No parameters: the functions' `%` are RAISE placeholders, not the driver's.
    schema_editor.execute(BREAK_CHECK, params=None)
    schema_editor.execute(LOG_CHECK, params=None)


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {LOG_TRIGGER} ON staff_clocklog")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {LOG_FUNCTION}()")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {BREAK_TRIGGER} ON staff_break")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {BREAK_FUNCTION}()")
    schema_editor.execute(f"ALTER TABLE staff_clocklog DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0005_calendar_token"),
    ]

    operations = [
        migrations.RunPython(add_guards, drop_guards),
    ]
