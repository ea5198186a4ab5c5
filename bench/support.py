"""What the benchmarks share: ports, throwaway PostgreSQL databases, the served
application's environment, waiting for it to come up, and clients on connections of their
own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres(url: str, prefix: str = "bench") -> tuple[str, str]:
    """Create a new database on the server of `url`; return its URL and its name."""
    import psycopg

    base, _, _ = url.rpartition("/")
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", name


def drop_postgres(url: str, name: str) -> None:
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_environment(var_dir: str, database_url: str | None) -> dict:
    """The application as served in production mode, on plain HTTP on loopback."""
    env = dict(os.environ)
    env.update(
        {
            "SWITCHBOARD_VAR_DIR": var_dir,
            "DEBUG": "0",
            # No TLS proxy in front to redirect to.
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "PUSHER_APP_ID": "424242",
            "PUSHER_APP_KEY": "bench-key",
            "PUSHER_APP_SECRET": secrets.token_hex(20),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        }
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until `url`/health answers 200; SystemExit if the server exits or never answers."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not come up")


def uvicorn_command(app: str, port: int, workers: int, env: dict) -> list[str]:
    """`app` served on loopback as `make serve` does (uvicorn workers, each on a socket of its
    own): forwarded headers are trusted only from TRUSTED_PROXIES, no access log."""
    from switchboard.common.proxies import trusted_proxies, uvicorn_proxy_args

    return [
        sys.executable,
        "-m",
        "switchboard.serve",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        *uvicorn_proxy_args(trusted_proxies(env)),
    ]


@contextlib.asynccontextmanager
async def own_connections(url: str, token: str, count: int):
    """`count` HTTP clients, each on one keep-alive connection of its own, as people's
    browsers are. One shared pool would cost the load generator more CPU per request than
    the server spends on a bare insert: httpcore matches every waiting request against every
    pooled connection, checking each socket with system calls (docs/performance.md,
    "Round eight")."""
    import httpx

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    headers = {"Authorization": f"Token {token}"}
    clients = [
        httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60)
        for _ in range(count)
    ]
    try:
        yield clients
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
