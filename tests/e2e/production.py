"""The production shape on loopback for the fault test and the soak: a throwaway
PostgreSQL and Redis, and `scripts/serve.sh` (`switchboard.serve` and its uvicorn workers,
`run_scheduler` apart)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

from tests.realtime.support import RedisProcess, free_port
from tests.support.proc import children, cmdline
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
APP = {
    "PUSHER_APP_ID": "482913",
    "PUSHER_APP_KEY": "fault-key",
    "PUSHER_APP_SECRET": "fault-s3cret",
}
METRICS_TOKEN = "fault-metrics-token"

SEED = """
import json
from switchboard.accounts.services import api_token_issue
from switchboard.common.tenancy import cross_org
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.factories import car_wash, session_service
from tests.catalog.factories import ResourceFactory
from switchboard.webhooks.services import webhook_endpoint_create
with cross_org():
    org = OrganizationFactory(slug="faulty", name="Faulty")
    user = MembershipFactory(organization=org, role="operator").user
    _, key = api_token_issue(user=user, name="load")
    session_service(org)
    pcs = [ResourceFactory(organization=org, name=f"PC{n:03}", kind="pc").pk for n in range(%d)]
    if %r:
        webhook_endpoint_create(organization=org, acting_user=None, url=%r,
                                events=["booking-updated", "resource-status-updated"])
    print(json.dumps({"org": org.slug, "token": key, "service": car_wash(org).pk, "pcs": pcs}))
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sb-pg.")

    def start(self) -> Postgres:
        out = subprocess.run(
            ["bash", "scripts/pg.sh", "start", self.dir],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        self.url = out.stdout.strip()
        server = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(server, autocommit=True) as db:
            db.execute("CREATE DATABASE switchboard")
        return self

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.url) as db:
            return db.execute(sql, params).fetchall()

    def stop(self) -> None:
        subprocess.run(["bash", "scripts/pg.sh", "stop", self.dir], cwd=ROOT, check=False)


class Stack:
    """PostgreSQL, Redis and `scripts/serve.sh` with `workers` uvicorn workers."""

    def __init__(self, workers: int = 2, resources: int = 40, webhook_url: str = ""):
        """`webhook_url`: an organisation webhook endpoint for bookings and resources."""
        self.workers = workers
        self.webhook_url = webhook_url
        self.resources = resources
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var = tempfile.mkdtemp(prefix="sb-var.")
        self.log_path = Path(self.var) / "serve.log"
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
        return (
            env
            | APP
            | {
                "DATABASE_URL": self.pg.url,
                "REDIS_URL": self.redis.url,
                "SECRET_KEY": "fault-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "0",
                "SWITCHBOARD_VAR_DIR": self.var,
                "WORKERS": str(self.workers),
                "PORT": str(self.port),
                "METRICS_TOKEN": METRICS_TOKEN,
                # A killed sender's claim on a delivery runs out after this plus 5 s.
                "WEBHOOK_TIMEOUT_SECONDS": "3",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
                "BIN": str(Path(sys.executable).parent),
            }
        )

    def start(self) -> Stack:
        self.pg = Postgres().start()
        self.redis = RedisProcess().start()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                ["bash", "scripts/serve.sh"],
                cwd=ROOT,
                env=self.environment(),
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        wait_until(self.serving, timeout=120, interval=0.2)
        script = SEED % (self.resources, self.webhook_url, self.webhook_url)
        self.seed = self.manage_json("shell", "-c", script)
        return self

    def manage_json(self, *args) -> dict:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment() | {"LOG_LEVEL": "ERROR"},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    def serving(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"serve.sh exited:\n{self.output()}")
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                healthy = response.status == 200
        except (OSError, urllib.error.HTTPError):
            return False
        return healthy and len(self.worker_pids()) == self.workers and bool(self.scheduler_pid())

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def supervisor_pid(self) -> int | None:
        found = [p for p in children(self.process.pid) if "switchboard.serve" in cmdline(p)]
        return found[0] if found else None

    def worker_pids(self) -> list[int]:
        supervisor = self.supervisor_pid()
        if supervisor is None:
            return []
        return [p for p in children(supervisor) if "spawn_main" in cmdline(p)]

    def worker_serving(self, client_port: int) -> int | None:
        """The worker holding the server side of the loopback connection from `client_port`."""
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == client_port:
                inodes.add(f"socket:[{fields[9]}]")
        for pid in self.worker_pids():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return pid
        return None

    def scheduler_pid(self) -> int | None:
        for keeper in children(self.process.pid):
            for pid in children(keeper):
                if "run_scheduler" in cmdline(pid):
                    return pid
        return None

    def server_pids(self) -> list[int]:
        return [*self.worker_pids(), *filter(None, [self.scheduler_pid()])]

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.redis.stop()
        self.pg.stop()
