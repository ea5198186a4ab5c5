"""How the settings are read: environment variables with development defaults, the
database from DATABASE_URL, and secrets generated once under var/ for development.

Plain functions, so that `settings.py` stays a list of settings and tests can call them
with another environment.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SWITCHBOARD_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def stored_secret(filename, make):
    """A development secret generated on first use and kept under var/."""
    path = VAR_DIR / filename
    if path.exists():
        return json.loads(path.read_text())
    value = make()
    path.write_text(json.dumps(value))
    path.chmod(0o600)
    return value


def database_settings():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'switchboard.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's backend with writers queued in arrival order (common/sqlite_backend).
        config["ENGINE"] = "switchboard.common.sqlite_backend"
        # WAL lets readers run beside a writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on the busy timeout instead of failing with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Idle connections kept per process for the next request (DATABASE_POOL=0: none).
            "pool": sqlite_pool_size(os.environ),
        }
        # A file, not memory: tests race real threads and live servers against it.
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        pool = database_pool_options(os.environ)
        if pool:
            options["pool"] = pool
        # Parameters bound by the server, and a statement run a few times on a connection
        # prepared there: the workload queries cost more to plan than to run
        # (docs/performance.md, "Prepared statements"). Django turns preparing off for the
        # sake of transaction-pooling proxies (PgBouncer); DATABASE_PREPARE=0 does too.
        if env_bool("DATABASE_PREPARE", True):
            options["server_side_binding"] = True
            options["prepare_threshold"] = 2
    return config


def database_pool_options(env) -> dict | None:
    """PostgreSQL: a psycopg connection pool per process (docs/performance.md, "Connection
    pool"). Under ASGI each request's sync code runs in a thread of its own, so without a
    pool every request opens and closes a connection; Django advises a pool rather than
    CONN_MAX_AGE there. DATABASE_POOL: "auto" (default: on when psycopg_pool is installed),
    "1" or "0"."""
    wanted = env.get("DATABASE_POOL", "auto").strip().lower()
    if _turned_off(wanted):
        return None
    if wanted == "auto":
        import importlib.util

        if importlib.util.find_spec("psycopg_pool") is None:
            return None
    return {
        "min_size": int(env.get("DATABASE_POOL_MIN_SIZE", "2")),
        "max_size": int(env.get("DATABASE_POOL_MAX_SIZE", "10")),
        "timeout": float(env.get("DATABASE_POOL_TIMEOUT", "10")),
    }


def sqlite_pool_size(env) -> int:
    """SQLite: how many open connections each process keeps for the next request
    (common/sqlite_backend/pool.py). DATABASE_POOL=0 turns it off; otherwise
    DATABASE_POOL_MAX_SIZE, as for PostgreSQL's pool."""
    if _turned_off(env.get("DATABASE_POOL", "auto").strip().lower()):
        return 0
    return int(env.get("DATABASE_POOL_MAX_SIZE", "10"))


def _turned_off(wanted: str) -> bool:
    return wanted in {"0", "false", "no", "off"}


def pusher_credentials():
    generated = stored_secret(
        "pusher_app.json",
        lambda: {
            "app_id": str(secrets.randbelow(900000) + 100000),
            "key": secrets.token_hex(10),
            "secret": secrets.token_hex(20),
        },
    )
    return {
        "app_id": os.environ.get("PUSHER_APP_ID") or generated["app_id"],
        "key": os.environ.get("PUSHER_APP_KEY") or generated["key"],
        "secret": os.environ.get("PUSHER_APP_SECRET") or generated["secret"],
    }
