"""Real servers for the real-time tests: the whole application under uvicorn in its own
process, redis-server, pusher-js under Node, and the waiting helpers they share."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from switchboard.common.proxies import trusted_proxies, uvicorn_proxy_args
from tests.support.wait import TIMEOUT, wait_until

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(coro, timeout: float = 120.0):
    """Run an async test scenario to completion from a plain test function.

    In a thread of its own: Playwright's sync API (the browser tests) keeps an event loop
    running in the main thread for the rest of the session, and asyncio.run() refuses to
    start inside a running loop.
    """
    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(asyncio.wait_for(coro, timeout))
        except BaseException as error:  # handed back to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, name="scenario")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class RedisProcess:
    """A throwaway redis-server on a free loopback port, with no persistence."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="sb-redis.")
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisProcess:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: scripts/system-packages.sh installs it"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client))
        client.close()
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        client.flushall()
        client.close()


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = config.get("HOST") or "127.0.0.1"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{config['NAME']}"


class LiveApp:
    """The whole application (`switchboard.asgi`) under uvicorn in its own process, on the
    test database, as `make run` serves it."""

    def __init__(self, *, port: int | None = None, redis_url: str = "", scheduler=False, env=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis_url = redis_url
        self.scheduler = scheduler
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        handle, self.log_path = tempfile.mkstemp(prefix="sb-live.", suffix=".log")
        os.close(handle)

    def environment(self) -> dict:
        app = settings.PUSHER_APP
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": database_url(),
                "PUSHER_APP_ID": str(app["app_id"]),
                "PUSHER_APP_KEY": app["key"],
                "PUSHER_APP_SECRET": app["secret"],
                "REDIS_URL": self.redis_url,
                "SCHEDULER_ENABLED": "1" if self.scheduler else "0",
                "DJANGO_SETTINGS_MODULE": "switchboard.settings",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> LiveApp:
        command = [
            PYTHON,
            "-m",
            "uvicorn",
            "switchboard.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
            *uvicorn_proxy_args(trusted_proxies(self.environment())),
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.environment(), stdout=log, stderr=log
            )
        wait_until(self._answers, timeout=30, interval=0.1)
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited:\n{self.output()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def output(self) -> str:
        return Path(self.log_path).read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            os.unlink(self.log_path)


class NodeClients:
    """pusher-js under Node (tests/e2e/node/pusher_client.js), driven by JSON lines."""

    SCRIPT = ROOT / "tests" / "e2e" / "node" / "pusher_client.js"

    def __init__(self):
        node = shutil.which("node")
        assert node, "Node.js is needed for the pusher-js conformance tests"
        self.process = subprocess.Popen(
            [node, str(self.SCRIPT)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.records: list[dict] = []
        self._used: set[int] = set()
        self._lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.expect(type="ready")

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                record = {"type": "output", "text": line.rstrip()}
            with self._lock:
                self.records.append(record)
                self._lock.notify_all()

    def send(self, cmd: str, **fields) -> None:
        self.process.stdin.write(json.dumps({"cmd": cmd, **fields}) + "\n")
        self.process.stdin.flush()

    def expect(self, timeout: float = TIMEOUT, **fields) -> dict:
        """The first record not yet returned whose fields include `fields`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for index, record in enumerate(self.records):
                    if index in self._used:
                        continue
                    if all(record.get(k) == v for k, v in fields.items()):
                        self._used.add(index)
                        return record
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no record with {fields}; seen: {self.records[-15:]}")
                self._lock.wait(remaining)

    def absent(self, within: float = 0.5, **fields) -> None:
        time.sleep(within)
        with self._lock:
            found = [
                r
                for i, r in enumerate(self.records)
                if i not in self._used and all(r.get(k) == v for k, v in fields.items())
            ]
        assert not found, found

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.send("exit")
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
