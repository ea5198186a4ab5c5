"""Benchmark: how soon after its end a timed session is completed, and its event delivered.

Starts the application in production mode (DEBUG off; uvicorn, the scheduler on, a throwaway
SQLite database), makes 2,000 sessions on 200 resources whose ends are spread over 60 s,
listens on the organisation's private channel with a WebSocket client speaking the Pusher
protocol (authorised through `/api/realtime/auth/` with an API token), and prints one JSON
line: end → completed (the audit row's time) and end → `session-completed` received,
p50/p99/max in milliseconds, and how many sessions were completed (must be all).

    .venv/bin/python bench/expiry.py [--sessions 2000] [--resources 200] [--spread 60]
        [--database-url postgres://u@host:5432/x]

With `--database-url` a fresh database is created on that PostgreSQL server (and dropped
afterwards) instead of the SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import drop_postgres, free_port, fresh_postgres  # noqa: E402

APP_ID, KEY, SECRET = "515151", "bench-expiry-key", "bench-expiry-secret"
ORG_SLUG = "bench-cafe"
PASSWORD = "bench-expiry-password"


# Set by `main` when the run uses PostgreSQL: the fresh database's URL.
DATABASE_URL: str | None = None


def environment(var_dir: Path) -> dict:
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
            "REDIS_URL": "",
            "SCHEDULER_ENABLED": "1",
            # Production mode, as a café chain runs it: DEBUG on (make run's default)
            # records every query and costs the sweep about a third of its time.
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": "bench-expiry-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
        }
    )
    return env


def make_run_options(env: dict) -> list[str]:
    """uvicorn's options as `make run` passes them: frame limits, trusted proxies."""
    from switchboard.common.proxies import trusted_proxies, uvicorn_proxy_args

    limits = ["--ws-max-size", "65536", "--ws-per-message-deflate", "false"]
    return [*limits, *uvicorn_proxy_args(trusted_proxies(env))]


def prepare(var_dir: Path, resources: int):
    """Migrate, and create the café: an owner, a session service and the machines."""
    os.environ.update(environment(var_dir))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from switchboard.accounts.models import User
    from switchboard.accounts.services import organization_create
    from switchboard.catalog.models import Resource, Service, Workflow
    from switchboard.common.tenancy import org_scope

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user(username="bench-owner", password=PASSWORD)
    org = organization_create(name="Bench Cafe", slug=ORG_SLUG, owner=owner, acting_user=None)
    with org_scope(org):
        service = Service.objects.create(
            organization=org, name="PC session", workflow=Workflow.SESSION, duration_minutes=60
        )
        Resource.objects.bulk_create(
            Resource(organization=org, name=f"PC{i:03d}", kind="pc") for i in range(resources)
        )
        machines = list(Resource.objects.filter(organization=org).order_by("pk"))
    return org, owner, service, machines


def make_sessions(org, owner, service, machines, count: int, first_end, spread: float):
    """Sessions back to back on each machine, ends spread evenly over `spread` seconds.

    Whole minutes cannot place ten sessions of one machine in a minute, so these are made
    with the bookings core's `booking_create` (what `session_start` calls) with explicit
    ends; everything else — locks, audit rows, events — is the same.
    """
    from django.db import transaction

    from switchboard.bookings.services import booking_create

    step = spread / count
    made = []
    with transaction.atomic():
        for machine, starts_at, ends_at in _schedule(machines, count, first_end, step):
            booking = booking_create(
                organization=org,
                service=service,
                starts_at=starts_at,
                ends_at=ends_at,
                resource=machine,
                customer_name="Bench",
                allow_past=True,  # back to back from half a minute before the first end
                acting_user=owner,
            )
            made.append((booking.pk, ends_at))
    return made


def insert_sessions(org, service, machines, count: int, first_end, spread: float):
    """The same sessions written with one bulk insert: the rows `booking_create` makes
    (active, on their machine), without its per-booking checks, creation audit rows and
    `booking-created` events. 20,000 sessions one at a time take minutes to make on two
    cores; what is measured is their end, not their creation."""
    from switchboard.bookings.models import Booking
    from switchboard.bookings.workflows import workflow

    wf = workflow(service.workflow)
    rows = [
        Booking(
            organization=org,
            service=service,
            workflow=wf.name,
            status=wf.table.initial,
            customer_name="Bench",
            starts_at=starts_at,
            ends_at=ends_at,
            resource=machine,
        )
        for machine, starts_at, ends_at in _schedule(machines, count, first_end, spread / count)
    ]
    created = Booking.objects.bulk_create(rows, batch_size=2000)
    return [(booking.pk, booking.ends_at) for booking in created]


def _schedule(machines, count: int, first_end, step: float):
    """(machine, start, end) of each session: back to back on each machine."""
    previous_end = {m.pk: first_end - timedelta(seconds=30) for m in machines}
    for i in range(count):
        machine = machines[i % len(machines)]
        ends_at = first_end + timedelta(seconds=i * step)
        yield machine, previous_end[machine.pk], ends_at
        previous_end[machine.pk] = ends_at


async def listen(port: int, token: str, received: dict, stop: asyncio.Event, ready):
    channel = f"private-org-{ORG_SLUG}"
    url = f"ws://127.0.0.1:{port}/app/{KEY}?protocol=7&client=bench&version=1"
    async with websockets.connect(url, max_size=None) as ws:
        hello = json.loads(await ws.recv())
        socket_id = json.loads(hello["data"])["socket_id"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answer = await http.post(
                "/api/realtime/auth/",
                data={"socket_id": socket_id, "channel_name": channel},
                headers={"Authorization": f"Token {token}"},
            )
            answer.raise_for_status()
        subscribe = {"event": "pusher:subscribe", "data": {"channel": channel, **answer.json()}}
        await ws.send(json.dumps(subscribe))
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            at = time.time()
            message = json.loads(raw)
            if message.get("event") == "pusher_internal:subscription_succeeded":
                ready.set()
            elif message.get("event") == "pusher:ping":
                await ws.send(json.dumps({"event": "pusher:pong", "data": {}}))
            elif message.get("event") == "session-completed":
                data = json.loads(message["data"])
                received.setdefault(data["booking_id"], at)


def percentiles(values_ms: list[float]) -> dict:
    if not values_ms:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values_ms)

    def at(fraction):
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    return {"p50": at(0.50), "p99": at(0.99), "max": round(ordered[-1], 1)}


async def run(args) -> dict:
    var_dir = Path(tempfile.mkdtemp(prefix="sb-bench-expiry."))
    # The ORM is synchronous: every database step runs in a worker thread.
    org, owner, service, machines = await asyncio.to_thread(prepare, var_dir, args.resources)
    port = free_port()
    log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "switchboard.asgi:application", "--host",
         "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         *make_run_options(environment(var_dir))],
        cwd=ROOT, env=environment(var_dir), stdout=log, stderr=log,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    answer = await http.post(
                        "/api/auth/token/", json={"username": "bench-owner", "password": PASSWORD}
                    )
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            token = answer.json()["token"]
        received: dict[int, float] = {}
        stop, ready = asyncio.Event(), asyncio.Event()
        listener = asyncio.create_task(listen(port, token, received, stop, ready))
        await asyncio.wait_for(ready.wait(), timeout=30)
        from switchboard.common.clock import now

        first_end = now() + timedelta(seconds=args.lead)
        made_at = time.monotonic()
        if args.one_by_one:
            sessions = await asyncio.to_thread(
                make_sessions, org, owner, service, machines, args.sessions, first_end, args.spread
            )
        else:
            sessions = await asyncio.to_thread(
                insert_sessions, org, service, machines, args.sessions, first_end, args.spread
            )
        creation_seconds = time.monotonic() - made_at
        last_end = max(ends for _, ends in sessions)
        cpu_before = _cpu_seconds(server.pid), time.process_time(), time.monotonic()
        while now() < last_end + timedelta(seconds=args.grace) and len(received) < len(sessions):
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)
        stop.set()
        await listener
        server_cpu, client_cpu, started = cpu_before
        window = time.monotonic() - started
        cpu = {
            "server_cores": round((_cpu_seconds(server.pid) - server_cpu) / window, 2),
            "client_cores": round((time.process_time() - client_cpu) / window, 2),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    summary = await asyncio.to_thread(summarise, org, sessions, received, creation_seconds, args)
    return {**summary, "cpu_while_ending": cpu}


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarise(org, sessions, received, creation_seconds, args) -> dict:
    from switchboard.bookings.models import Booking, BookingTransition
    from switchboard.common.tenancy import org_scope
    from switchboard.realtime.models import OutboxEvent

    ends = dict(sessions)
    with org_scope(org):
        completed_rows = list(
            BookingTransition.objects.filter(
                booking_ref__in=list(ends), action="transition", to_status="completed"
            ).values_list("booking_ref", "created_at")
        )
        completed = Booking.objects.filter(pk__in=list(ends), status="completed").count()
        # Where the time goes: the outbox row of each `session-completed`, written in the
        # completing transaction, and its mark by the relay once handed to the broker.
        relayed = list(
            OutboxEvent.objects.filter(
                event="session-completed", published_at__isnull=False
            ).values_list("created_at", "published_at")
        )
    to_completed = [(at - ends[pk]).total_seconds() * 1000 for pk, at in completed_rows]
    to_relayed = [(marked - written).total_seconds() * 1000 for written, marked in relayed]
    to_event = [
        (datetime.fromtimestamp(at, UTC) - ends[pk]).total_seconds() * 1000
        for pk, at in received.items()
        if pk in ends
    ]
    return {
        "bench": "expiry",
        "sessions": len(sessions),
        "resources": args.resources,
        "spread_seconds": args.spread,
        "completed": completed,
        "completed_rows": len(to_completed),
        "events_received": len(to_event),
        "end_to_completed_ms": percentiles(to_completed),
        "end_to_event_ms": percentiles(to_event),
        "outbox_written_to_marked_ms": percentiles(to_relayed),
        "creation_seconds": round(creation_seconds, 1),
        "created_before_first_end": creation_seconds < args.lead,
        "database": "postgresql" if DATABASE_URL else "sqlite",
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which ends fall")
    parser.add_argument("--lead", type=float, default=30.0, help="seconds before the first end")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait after the last")
    parser.add_argument("--database-url", help="a PostgreSQL server; default SQLite")
    parser.add_argument(
        "--one-by-one",
        action="store_true",
        help="make the sessions with booking_create (slow) instead of one bulk insert",
    )
    args = parser.parse_args()
    global DATABASE_URL
    pg_name = None
    if args.database_url:
        DATABASE_URL, pg_name = fresh_postgres(args.database_url, "bench_expiry")
    try:
        print(json.dumps(asyncio.run(run(args))))
    finally:
        if pg_name:
            from django.db import connections

            connections.close_all()
            drop_postgres(args.database_url, pg_name)


if __name__ == "__main__":
    main()
