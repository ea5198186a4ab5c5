#!/usr/bin/env bash
# Production mode on one machine (docs/deployment.md): DEBUG off, WORKERS uvicorn workers
# that run no jobs, each on a listening socket of its own (switchboard/serve.py), and
# `run_scheduler` as its own process. PostgreSQL and Redis come from DATABASE_URL and
# REDIS_URL. switchboard.serve replaces a worker that dies, and this script the scheduler.
# Stops both on SIGTERM/SIGINT; if switchboard.serve itself exits, stops the scheduler and
# exits non-zero so that a supervisor (systemd) restarts the whole.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

for name in SECRET_KEY DATABASE_URL REDIS_URL PUSHER_APP_ID PUSHER_APP_KEY PUSHER_APP_SECRET ALLOWED_HOSTS; do
  if [ -z "${!name:-}" ]; then echo "serve: $name must be set (docs/deployment.md)" >&2; exit 2; fi
done
export DEBUG=0 SCHEDULER_ENABLED=0
export WORKERS=${WORKERS:-2} HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
# Every process writes its metrics here; /metrics adds them up. Emptied at each start:
# the files of processes that no longer run would otherwise count forever.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${SWITCHBOARD_VAR_DIR:-var}/metrics}
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

$BIN/python manage.py migrate --no-input -v 0 || exit 1

# The scheduler is started again whenever it dies; the next one takes the lease over once
# the dead one's has expired (docs/scheduler.md, "Leadership").
keep_scheduler() {
  local child
  trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT
  while true; do
    $BIN/python manage.py run_scheduler &
    child=$!
    wait $child
    echo "serve: run_scheduler exited (status $?); starting it again" >&2
    sleep 1
  done
}
keep_scheduler &
scheduler=$!
$BIN/python -m switchboard.serve switchboard.asgi:application \
  --host "$HOST" --port "$PORT" --workers "$WORKERS" \
  --no-access-log --ws-max-size 65536 --ws-per-message-deflate false \
  $($BIN/python -m switchboard.common.proxies) &
web=$!

stop() { kill -TERM "$web" "$scheduler" 2>/dev/null; wait "$web" "$scheduler"; }
trap 'stop; exit 0' TERM INT
wait -n "$web" "$scheduler"
status=$?
echo "serve: a process exited (status $status); stopping the other" >&2
stop
exit 1
