"""The process's Prometheus series, defined once so that every layer can record into them.

Lives in `common` because the scheduler and the real-time server may import nothing else.
With several uvicorn workers, set `PROMETHEUS_MULTIPROC_DIR` to an empty directory before
the processes start: each writes its values there and `/metrics` adds them up
(docs/operations.md, "Metrics"). Gauges say how their values combine across processes.
"""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "switchboard_http_requests_total",
    "HTTP requests answered by Django, by method, URL pattern and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "switchboard_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and URL pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OUTBOX_PUBLISHED = Counter(
    "switchboard_outbox_published_total", "Outbox events the relay handed to the broker."
)
JOB_RUNS = Counter(
    "switchboard_job_runs_total", "Scheduled job runs, by job and result.", ["job", "result"]
)
JOB_FAILURES = Counter(
    "switchboard_job_failures_total", "Scheduled job runs that raised, by job.", ["job"]
)
JOB_DURATION = Histogram(
    "switchboard_job_duration_seconds",
    "How long a scheduled job run took, by job.",
    ["job"],
    buckets=(0.001, 0.005, 0.025, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0),
)
# Per process; "livesum" adds up the processes that are alive.
REALTIME_CONNECTIONS = Gauge(
    "switchboard_realtime_connections",
    "Open WebSocket connections to the real-time server.",
    multiprocess_mode="livesum",
)
REALTIME_CHANNELS = Gauge(
    "switchboard_realtime_channels",
    "Channels with at least one subscriber, summed over processes.",
    multiprocess_mode="livesum",
)
SQLITE_BEGIN_WAIT = Histogram(
    "switchboard_sqlite_begin_wait_seconds",
    "Time a write transaction waited at BEGIN IMMEDIATE for SQLite's write lock.",
    buckets=(0.001, 0.005, 0.025, 0.1, 0.5, 1.0, 5.0, 30.0),
)
SQLITE_BUSY_WAITS = Counter(
    "switchboard_sqlite_busy_waits_total",
    "Write transactions that waited longer than 5 ms for SQLite's write lock.",
)
SQLITE_LOCKED = Counter(
    "switchboard_sqlite_locked_total",
    "Statements that failed with 'database is locked' after the busy timeout.",
)
WEBHOOK_ATTEMPTS = Counter(
    "switchboard_webhook_attempts_total",
    "Webhook posts, by kind (organization, pusher) and result (delivered, failed).",
    ["kind", "result"],
)
WEBHOOK_GIVEN_UP = Counter(
    "switchboard_webhook_given_up_total",
    "Webhooks given up after their retry window, by kind.",
    ["kind"],
)
PUSHER_WEBHOOK_QUEUE = Gauge(
    "switchboard_pusher_webhook_queue_depth",
    "Pusher webhooks waiting in this host's journal.",
    multiprocess_mode="livemax",
)
