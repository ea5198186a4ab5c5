"""`python -m switchboard.serve`: workers on listening sockets of their own, run as real
processes serving `tests/support/pid_app.py`, which answers with the worker's process id."""

import http.client
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.proc import children, cmdline, parent_of, running
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.support.pid_app:app"
LISTEN = "0A"  # TCP state in /proc/net/tcp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "switchboard.serve", APP, "--host", "127.0.0.1", *args]


def serve_to_the_end(*args: str) -> subprocess.CompletedProcess:
    """A run expected to end by itself (a refusal), with its output."""
    return subprocess.run(
        serve_command(*args),
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def environment() -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    return keep | {"PYTHONUNBUFFERED": "1"}


def listeners(port: int) -> int:
    """Sockets listening on `port` on IPv4, whoever holds them."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == LISTEN:
            count += 1
    return count


def ask_pid(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/")
        return int(connection.getresponse().read())
    finally:
        connection.close()


def burst(port: int, count: int) -> list[int]:
    """`count` kept-alive connections opened at once, then one request on each."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(count)]
    try:
        for connection in connections:
            connection.connect()
        for connection in connections:
            connection.request("GET", "/")
        return [int(connection.getresponse().read()) for connection in connections]
    finally:
        for connection in connections:
            connection.close()


class Served:
    """The supervisor with `workers` workers on a free port; its output in a file."""

    def __init__(self, tmp_path: Path, workers: int = 2, env: dict | None = None):
        self.port = free_port()
        self.workers = workers
        self.log_path = tmp_path / "serve.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                serve_command("--workers", str(workers), "--port", str(self.port)),
                cwd=ROOT,
                env=environment() | (env or {}),
                stdout=log,
                stderr=log,
            )
        try:
            wait_until(self.serving, timeout=60, interval=0.05)
        except AssertionError as error:
            self.stop()
            raise AssertionError(f"not serving:\n{self.output()}") from error

    def serving(self) -> bool:
        assert self.process.poll() is None, self.output()
        return listeners(self.port) == self.workers

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        return [p for p in children(self.process.pid) if "spawn_main" in cmdline(p)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        # A worker outlives a killed supervisor only as long as its parent-death signal.
        wait_until(lambda: listeners(self.port) == 0)


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path)
    yield server
    server.stop()


def test_a_burst_of_kept_alive_connections_reaches_every_worker(served):
    answered = burst(served.port, 32)
    # The kernel picks a worker per connection by its addresses: all 32 on one of two
    # workers has a chance of 2 ** -31.
    assert len(set(answered)) == 2, answered
    assert {parent_of(pid) for pid in answered} == {served.process.pid}


@pytest.mark.parametrize("shared", [False, True], ids=["plain", "reuseport"])
def test_a_port_in_use_is_refused_at_once_and_starts_no_worker(tmp_path, shared):
    """Held by anything, or by another instance (SO_REUSEPORT): never share it silently."""
    with socket.socket() as held:
        if shared:
            held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = serve_to_the_end("--workers", "2", "--port", str(port))
        assert listeners(port) == 1
    assert done.returncode == 1, done.stderr
    refusals = [line for line in done.stderr.splitlines() if "serve_refused" in line]
    assert len(refusals) == 1 and f"port={port} " in refusals[0], done.stderr
    assert "serve_started" not in done.stderr and "Started server" not in done.stderr


def test_a_killed_worker_is_replaced(served):
    first = set(served.worker_pids())
    assert len(first) == 2
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    # Until its socket is closed, a connection may land there and be reset (the cost of a
    # socket per worker, docs/decisions.md). Then new connections spread over the survivor
    # and, once it listens, the replacement.
    wait_until(lambda: not running(victim))
    replacement = wait_until(lambda: {ask_pid(served.port)} - first, interval=0.05)
    assert parent_of(replacement.pop()) == served.process.pid
    wait_until(lambda: f"worker_exited pid={victim} status=-9" in served.output())
    assert set(served.worker_pids()) - first and len(served.worker_pids()) == 2


def test_a_worker_that_dies_while_loading_holds_no_other_back(tmp_path):
    """The others wait for every worker at a barrier before they listen; one that dies there
    breaks the barrier at once, instead of leaving them deaf until it times out (120 s)."""
    served = Served(tmp_path, env={"PID_APP_FAIL_ONCE": str(tmp_path / "failed")})
    try:
        output = served.output()
        assert "worker_exited" in output and "status=3 restarting=1" in output, output
        assert "serve_start_alone" in output, output
        assert len(set(burst(served.port, 32))) == 2
    finally:
        served.stop()


def test_sigterm_stops_the_supervisor_and_every_worker(served):
    workers = served.worker_pids()
    assert len(workers) == 2
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=60) == 0, served.output()
    assert not [pid for pid in workers if running(pid)]
    assert listeners(served.port) == 0
    assert "serve_stopped workers=2" in served.output()


def test_workers_stop_when_the_supervisor_is_killed(served):
    workers = served.worker_pids()
    served.process.kill()
    served.process.wait(timeout=30)
    wait_until(lambda: not [pid for pid in workers if running(pid)])
    assert listeners(served.port) == 0


def test_zero_workers_is_a_usage_error():
    done = serve_to_the_end("--workers", "0", "--port", str(free_port()))
    assert done.returncode == 2
    assert "--workers must be at least 1" in done.stderr
