#!/usr/bin/env bash
# The whole suite: lint, import contracts, migrations check, then pytest on SQLite and on a
# real PostgreSQL server started here on loopback (and stopped, even when a step fails).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONUNBUFFERED=1
# The suite starts some hundred Python processes (uvicorn, schedulers, race workers): each
# compiles the project afresh unless bytecode is cached. Cache it under var/ (ignored by git)
# even where the environment asks Python not to write it next to the sources.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=${PYTHONPYCACHEPREFIX:-$PWD/var/pycache}

# Files whose tests never touch the suite's database (pytest-django refuses them access, or,
# like the SQLite write gate's, they open scratch files of their own,
# and none passes the suite's database to a process it starts): what they prove does not
# depend on which database the suite runs on, so they run once, in the SQLite pass. Every
# test that touches the database runs on both.
DATABASE_FREE=(
  tests/realtime/server
  tests/bookings/test_workflows.py
  tests/common/test_api_errors.py
  tests/common/test_clock.py
  tests/common/test_hooks.py
  tests/common/test_request_slots.py
  tests/common/test_sqlite_gate.py
  tests/common/test_sqlite_pool.py
  tests/common/test_sqlite_cursor.py
  tests/common/test_startup_objects.py
  tests/operations/test_production.py
  tests/operations/test_serve.py
  tests/scheduler/test_schedules.py
  tests/staff/test_channels.py
  tests/support/test_wait.py
  tests/test_layout.py
  tests/webhooks/test_signing.py
)

bash scripts/system-packages.sh || { echo "could not install the system packages"; exit 1; }

status=0
step() {
  echo "== $*"
  "$@" || status=1
}

step $BIN/ruff check .
step $BIN/ruff format --check .
step $BIN/lint-imports --no-cache
step $BIN/python manage.py makemigrations --check --dry-run

# The two passes run side by side: much of a pass is waiting (servers starting, browsers,
# leases running out), so together they take little longer than the slower one alone. Each
# writes to a log of its own, printed when it ends; the PostgreSQL pass keeps its generated
# files (secrets, webhook journal, static files) in a var/ of its own.
logs=$(mktemp -d /tmp/switchboard-test-logs.XXXXXX)
pgdir=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; bash scripts/pg.sh stop "$pgdir"; rm -rf "$logs"' EXIT

echo "== pytest on SQLite and on PostgreSQL, side by side (each pass's output follows it)"
# The fault test runs the production shape on a PostgreSQL server of its own, whatever the
# suite's database; it runs once, in the PostgreSQL pass.
DATABASE_URL= $BIN/pytest --deselect tests/e2e/test_faults.py "$@" >"$logs/sqlite" 2>&1 &
sqlite_pass=$!

pg_pass=
if url=$(bash scripts/pg.sh start "$pgdir"); then
  SWITCHBOARD_VAR_DIR=$PWD/var/postgresql-pass DATABASE_URL=$url \
    $BIN/pytest "${DATABASE_FREE[@]/#/--ignore=}" "$@" >"$logs/postgresql" 2>&1 &
  pg_pass=$!
else
  echo "PostgreSQL did not start:"; cat "$pgdir"/*.log; status=1
fi

echo "== pytest on SQLite"
wait $sqlite_pass || status=1
cat "$logs/sqlite"
if [ -n "$pg_pass" ]; then
  echo "== pytest on PostgreSQL ($url)"
  wait $pg_pass || status=1
  cat "$logs/postgresql"
fi

if [ $status -eq 0 ]; then echo "== all checks passed"; else echo "== some checks FAILED"; fi
exit $status
