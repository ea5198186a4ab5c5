"""Real-time benchmark: our Pusher server next to soketi 1.6.1, same clients, same load.

    .venv/bin/python bench/realtime.py                 # defaults below, about two minutes
    .venv/bin/python bench/realtime.py --connections 200 --events 100 --idle 2000 --no-soketi
    .venv/bin/python bench/realtime.py --database-url postgres://u@host/x --relay-poll 5  # NOTIFY

For each server, in the same run:
1. memory: open `--idle` connections (each subscribed to one channel) and divide the
   growth of the server's resident memory by their number;
2. latency: open `--connections` subscribers, publish `--events` events at `--rate`/s
   through the signed HTTP API (and, for ours, through the outbox: rows written by
   `outbox_write()` in this process, picked up by the server's relay), and time each event
   from publish to arrival at every subscriber: p50/p99/max, losses and duplicates.

The clients are a minimal WebSocket implementation (no per-frame objects, one JSON parse
per frame) spread over `--workers` processes, so that they are not the bottleneck; their
CPU use is reported. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import drop_postgres, free_port, fresh_postgres  # noqa: E402

SOKETI_ANCHOR = Path(os.environ.get("SOKETI_ANCHOR", ROOT.parent / "shared" / "anchors" / "soketi"))
APP_ID, KEY, SECRET = "424242", "bench-key-0001", "bench-secret-0001"
PUBLIC = "bench"
ORG_SLUG = "bench"
PRIVATE = f"private-org-{ORG_SLUG}"


# -- a minimal WebSocket client ------------------------------------------------------------


def masked_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    size = len(payload)
    head = bytearray([0x80 | opcode])
    if size < 126:
        head.append(0x80 | size)
    elif size < 65536:
        head.append(0x80 | 126)
        head += size.to_bytes(2, "big")
    else:
        head.append(0x80 | 127)
        head += size.to_bytes(8, "big")
    mask = os.urandom(4)
    head += mask
    repeated = (mask * (size // 4 + 1))[:size]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(size, "big")
    return bytes(head) + body


class Client(asyncio.Protocol):
    def __init__(self, host, port, key, secret, channels, stats):
        self.request = (
            f"GET /app/{key}?protocol=7&client=bench&version=1&flash=false HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.key, self.secret = key, secret
        self.channels = channels
        self.pending = len(channels)
        self.stats = stats
        self.buffer = bytearray()
        self.upgraded = False
        self.transport = None
        self.ready = asyncio.get_running_loop().create_future()
        self.started = time.perf_counter()
        self.seen = {"api": set(), "outbox": set()}
        self.count = {"api": 0, "outbox": 0}

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before subscribing"))
        self.stats["closed"] += 1

    def send(self, message: dict) -> None:
        self.transport.write(masked_frame(json.dumps(message).encode()))

    def data_received(self, data):
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(bytes(buffer[:40]).decode()))
                self.transport.close()
                return
            del buffer[: end + 4]
            self.upgraded = True
        while len(buffer) >= 2:
            opcode = buffer[0] & 0x0F
            size = buffer[1] & 0x7F
            start = 2
            if size == 126:
                if len(buffer) < 4:
                    return
                size, start = int.from_bytes(buffer[2:4], "big"), 4
            elif size == 127:
                if len(buffer) < 10:
                    return
                size, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + size:
                return
            payload = bytes(buffer[start : start + size])
            del buffer[: start + size]
            self.frame(opcode, payload)

    def frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x9:
            self.transport.write(masked_frame(payload, 0xA))
            return
        if opcode == 0x8:
            self.transport.close()
            return
        if opcode != 0x1:
            return
        message = json.loads(payload)
        event = message["event"]
        if event == "bench":
            now = time.time()
            data = json.loads(message["data"])
            path = data["path"]
            self.stats[path].append((now - data["t"]) * 1000)
            self.count[path] += 1
            self.seen[path].add(data["seq"])
        elif event == "pusher:connection_established":
            socket_id = json.loads(message["data"])["socket_id"]
            for channel in self.channels:
                body = {"channel": channel}
                if channel.startswith("private-"):
                    signature = hmac.new(
                        self.secret.encode(), f"{socket_id}:{channel}".encode(), hashlib.sha256
                    ).hexdigest()
                    body["auth"] = f"{self.key}:{signature}"
                self.send({"event": "pusher:subscribe", "data": body})
        elif event == "pusher_internal:subscription_succeeded":
            self.pending -= 1
            if self.pending == 0 and not self.ready.done():
                self.stats["connect_ms"].append((time.perf_counter() - self.started) * 1000)
                self.ready.set_result(True)
        elif event == "pusher:ping":
            self.send({"event": "pusher:pong", "data": {}})
        elif event in ("pusher:error", "pusher:subscription_error"):
            self.stats["errors"] += 1

    def reset(self):
        self.seen = {"api": set(), "outbox": set()}
        self.count = {"api": 0, "outbox": 0}


def fresh_stats() -> dict:
    return {"api": [], "outbox": [], "connect_ms": [], "errors": 0, "closed": 0}


async def open_clients(host, port, key, secret, channels, count, stats, concurrency=100):
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    opened, failures = [], 0

    async def one():
        nonlocal failures
        async with gate:
            try:
                _, client = await loop.create_connection(
                    lambda: Client(host, port, key, secret, channels, stats), host, port
                )
                await asyncio.wait_for(client.ready, 30)
                opened.append(client)
            except (OSError, ConnectionError, TimeoutError):
                failures += 1

    await asyncio.gather(*(one() for _ in range(count)))
    return opened, failures


async def work(pipe, host, port, key, secret):
    groups: dict[str, list[Client]] = {}
    stats = fresh_stats()
    cpu_start = time.process_time()
    while True:
        command, *args = await asyncio.to_thread(pipe.recv)
        if command == "open":
            tag, count, channels = args
            started = time.perf_counter()
            opened, failures = await open_clients(host, port, key, secret, channels, count, stats)
            groups.setdefault(tag, []).extend(opened)
            pipe.send((time.perf_counter() - started, failures))
        elif command == "reset":
            stats.update({"api": [], "outbox": []})
            for client in groups.get(args[0], []):
                client.reset()
            cpu_start = time.process_time()
            pipe.send(True)
        elif command == "received":
            path, tag = args
            pipe.send(sum(len(c.seen[path]) for c in groups.get(tag, [])))
        elif command == "collect":
            path, tag = args
            clients = groups.get(tag, [])
            pipe.send(
                {
                    "latencies": stats[path],
                    "unique": sum(len(c.seen[path]) for c in clients),
                    "total": sum(c.count[path] for c in clients),
                    "connect_ms": stats["connect_ms"],
                    "errors": stats["errors"],
                    "cpu_seconds": time.process_time() - cpu_start,
                }
            )
            stats["connect_ms"] = []
        elif command == "close":
            for client in groups.pop(args[0], []):
                client.transport.close()
            await asyncio.sleep(0.2)
            pipe.send(True)
        elif command == "quit":
            return


def worker_main(pipe, host, port, key, secret):
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(work(pipe, host, port, key, secret))


class Workers:
    def __init__(self, count, host, port, key=KEY, secret=SECRET):
        context = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=worker_main, args=(theirs, host, port, key, secret))
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def ask(self, *command, shares=None):
        for index, pipe in enumerate(self.pipes):
            if shares is None:
                pipe.send(command)
            else:
                pipe.send((command[0], command[1], shares[index], *command[2:]))
        return [pipe.recv() for pipe in self.pipes]

    def split(self, total):
        count = len(self.pipes)
        return [total // count + (1 if i < total % count else 0) for i in range(count)]

    def open(self, tag, total, channels):
        started = time.perf_counter()
        answers = self.ask("open", tag, channels, shares=self.split(total))
        return time.perf_counter() - started, sum(failures for _, failures in answers)

    def stop(self):
        for pipe in self.pipes:
            pipe.send(("quit",))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


# -- servers -------------------------------------------------------------------------------


def wait_for_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def rss_kb(pid) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# `--database-url`: a fresh database on that PostgreSQL server, created by `main`.
DATABASE_URL: str | None = None
REDIS_URL: str | None = None


def our_environment(var_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "SWITCHBOARD_VAR_DIR": str(var_dir),
            "DATABASE_URL": DATABASE_URL or f"sqlite:///{var_dir / 'bench.sqlite3'}",
            "PUSHER_APP_ID": APP_ID,
            "PUSHER_APP_KEY": KEY,
            "PUSHER_APP_SECRET": SECRET,
            "DJANGO_SETTINGS_MODULE": "switchboard.settings",
            "LOG_LEVEL": "WARNING",
            # `--redis-url`: a commit in another process nudges the relay through Redis.
            "REDIS_URL": REDIS_URL or "",
            "SCHEDULER_RELAY_POLL_SECONDS": os.environ.get("SCHEDULER_RELAY_POLL_SECONDS", "0.05"),
        }
    )
    return env


def make_run_options(env: dict) -> list[str]:
    """uvicorn's options as `make run` passes them: frame limits, trusted proxies."""
    from switchboard.common.proxies import trusted_proxies, uvicorn_proxy_args

    limits = ["--ws-max-size", "65536", "--ws-per-message-deflate", "false"]
    return [*limits, *uvicorn_proxy_args(trusted_proxies(env))]


class OurServer:
    name = "ours"

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.port = free_port()
        self.process = None
        self.log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed in stop()

    def start(self):
        command = [
            sys.executable,
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
            *make_run_options(our_environment(self.var_dir)),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=our_environment(self.var_dir), stdout=self.log, stderr=self.log
        )
        wait_for_port(self.port)
        return self

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Soketi:
    name = "soketi"

    def __init__(self, var_dir: Path):
        self.port = free_port()
        self.dir = os.environ.get("SOKETI_DIR", "/tmp/soketi")
        self.pid = None

    def env(self):
        return {
            **os.environ,
            "SOKETI_DIR": self.dir,
            "PUSHER_PORT": str(self.port),
            "PUSHER_APP_ID": APP_ID,
            "PUSHER_APP_KEY": KEY,
            "PUSHER_APP_SECRET": SECRET,
        }

    def start(self):
        script = SOKETI_ANCHOR / "start.sh"
        answer = subprocess.run(
            ["bash", str(script)], env=self.env(), capture_output=True, text=True, timeout=600
        )
        if answer.returncode != 0:
            raise RuntimeError(f"soketi did not start: {answer.stderr[-2000:]}")
        self.pid = int(answer.stdout.strip().splitlines()[-1])
        wait_for_port(self.port)
        return self

    def stop(self):
        subprocess.run(
            ["bash", str(SOKETI_ANCHOR / "stop.sh")], env=self.env(), capture_output=True
        )


# -- publishing ----------------------------------------------------------------------------


def signed_post(client, port, path, body: bytes):
    query = {
        "auth_key": KEY,
        "auth_timestamp": str(int(time.time())),
        "auth_version": "1.0",
        "body_md5": hashlib.md5(body, usedforsecurity=False).hexdigest(),
    }
    string = "POST\n" + path + "\n" + "&".join(f"{k}={query[k]}" for k in sorted(query))
    query["auth_signature"] = hmac.new(SECRET.encode(), string.encode(), hashlib.sha256).hexdigest()
    url = f"http://127.0.0.1:{port}{path}?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = client.post(url, content=body, headers={"Content-Type": "application/json"})
    response.raise_for_status()


def paced(events, rate, send):
    start = time.perf_counter()
    for seq in range(events):
        delay = start + seq / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        send(seq)


def publish_api(port, events, rate):
    import httpx

    with httpx.Client(timeout=10) as client:

        def send(seq):
            data = json.dumps({"seq": seq, "t": time.time(), "path": "api"})
            body = json.dumps({"name": "bench", "channels": [PUBLIC], "data": data}).encode()
            signed_post(client, port, f"/apps/{APP_ID}/events", body)

        paced(events, rate, send)


def publish_outbox(organization, events, rate):
    # The bench's event is no domain event, so it is written with the low-level call that
    # `publish()` ends in: the same outbox rows, the same relay.
    from switchboard.realtime.publish import outbox_write

    paced(
        events,
        rate,
        lambda seq: outbox_write(
            organization, [PRIVATE], "bench", {"seq": seq, "t": time.time(), "path": "outbox"}
        ),
    )


def prepare_database(var_dir: Path):
    """Migrate a throwaway SQLite database and create the organisation the outbox needs."""
    os.environ.update(our_environment(var_dir))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from switchboard.accounts.models import User
    from switchboard.accounts.services import organization_create

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user(username="bench-owner")
    return organization_create(name="Bench", slug=ORG_SLUG, owner=owner, acting_user=None)


# -- measuring -----------------------------------------------------------------------------


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)


def measure_path(workers, path, expected_per_client, subscribers, publish, pid):
    workers.ask("reset", "subs")
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    publish()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if sum(workers.ask("received", path, "subs")) >= expected_per_client * subscribers:
            break
        time.sleep(0.1)
    wall = time.perf_counter() - started
    server_cpu = cpu_seconds(pid) - cpu_before
    reports = workers.ask("collect", path, "subs")
    latencies = [value for report in reports for value in report["latencies"]]
    unique = sum(report["unique"] for report in reports)
    total = sum(report["total"] for report in reports)
    return {
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "delivered": total,
        "loss": expected_per_client * subscribers - unique,
        "duplicates": total - unique,
        "server_cpu_cores": round(server_cpu / wall, 2),
        "clients_cpu_cores": round(sum(r["cpu_seconds"] for r in reports) / wall, 2),
    }


def run_server(server, args, organization):
    result = {}
    server.start()
    workers = Workers(args.workers, "127.0.0.1", server.port)
    try:
        time.sleep(1.0)
        channels = [PUBLIC, PRIVATE]
        if args.idle:
            before = rss_kb(server.pid)
            seconds, failures = workers.open("idle", args.idle, [PUBLIC])
            time.sleep(1.0)
            after = rss_kb(server.pid)
            result["idle"] = {
                "connections": args.idle - failures,
                "connect_seconds": round(seconds, 2),
                "rss_before_mb": round(before / 1024, 1),
                "rss_after_mb": round(after / 1024, 1),
                "rss_per_connection_kb": round((after - before) / max(args.idle - failures, 1), 1),
            }
            workers.ask("close", "idle")
            workers.ask("collect", "api", "idle")  # drop their connect times
            time.sleep(1.0)
        seconds, failures = workers.open("subs", args.connections, channels)
        connect_ms = [v for r in workers.ask("collect", "api", "subs") for v in r["connect_ms"]]
        result["connect"] = {
            "connections": args.connections - failures,
            "seconds": round(seconds, 2),
            "p50_ms": percentile(connect_ms, 0.5),
            "p99_ms": percentile(connect_ms, 0.99),
        }
        subscribers = args.connections - failures
        result["api"] = measure_path(
            workers,
            "api",
            args.events,
            subscribers,
            lambda: publish_api(server.port, args.events, args.rate),
            server.pid,
        )
        if server.name == "ours" and organization is not None:
            result["outbox"] = measure_path(
                workers,
                "outbox",
                args.events,
                subscribers,
                lambda: publish_outbox(organization, args.events, args.rate),
                server.pid,
            )
    finally:
        workers.stop()
        server.stop()
    return result


def ratio(ours, theirs):
    if ours is None or not theirs:
        return None
    return round(ours / theirs, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--idle", type=int, default=10000, help="idle connections for memory")
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--no-soketi", action="store_true")
    parser.add_argument("--no-outbox", action="store_true")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server: the outbox path is then woken by NOTIFY (cross-worker case)",
    )
    parser.add_argument(
        "--relay-poll",
        type=float,
        default=0.05,
        help="the relay's fallback poll in seconds; make it long (e.g. 5) to time NOTIFY alone",
    )
    parser.add_argument(
        "--redis-url",
        help="a Redis server: the outbox path is then woken by a nudge through it (cross-worker)",
    )
    args = parser.parse_args()
    os.environ["SCHEDULER_RELAY_POLL_SECONDS"] = str(args.relay_poll)
    global DATABASE_URL, REDIS_URL
    REDIS_URL = args.redis_url
    pg_name = None
    if args.database_url:
        DATABASE_URL, pg_name = fresh_postgres(args.database_url, "bench_realtime")
    try:
        run_all(args)
    finally:
        if pg_name:
            from django.db import connections

            connections.close_all()
            drop_postgres(args.database_url, pg_name)


def run_all(args):

    var_dir = Path(tempfile.mkdtemp(prefix="sb-bench-realtime."))
    try:
        organization = prepare_database(var_dir)  # our server needs the database either way
        if args.no_outbox:
            organization = None
        line = {
            "benchmark": "realtime",
            "connections": args.connections,
            "events": args.events,
            "rate_per_second": args.rate,
            "client_processes": args.workers,
            "cpus": os.cpu_count(),
            "database": "postgresql" if DATABASE_URL else "sqlite",
            # The outbox rows are committed in this process, the relay runs in the server's:
            # the cross-worker case. On PostgreSQL NOTIFY wakes it, on SQLite the poll.
            "relay_poll_seconds": args.relay_poll,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "ours": run_server(OurServer(var_dir), args, organization),
        }
        if not args.no_soketi:
            line["soketi"] = run_server(Soketi(var_dir), args, None)
            ours, theirs = line["ours"], line["soketi"]
            line["ours_over_soketi"] = {
                "api_p50": ratio(ours["api"]["p50_ms"], theirs["api"]["p50_ms"]),
                "api_p99": ratio(ours["api"]["p99_ms"], theirs["api"]["p99_ms"]),
                "api_max": ratio(ours["api"]["max_ms"], theirs["api"]["max_ms"]),
                "connect_seconds": ratio(ours["connect"]["seconds"], theirs["connect"]["seconds"]),
                "rss_per_connection": ratio(
                    ours.get("idle", {}).get("rss_per_connection_kb"),
                    theirs.get("idle", {}).get("rss_per_connection_kb"),
                ),
            }
        print(json.dumps(line))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
