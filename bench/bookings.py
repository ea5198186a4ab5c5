"""Bookings benchmark: concurrent HTTP clients create and auto-assign bookings.

    .venv/bin/python bench/bookings.py                                   # SQLite, 32 clients, 20 s
    .venv/bin/python bench/bookings.py --database-url postgres://u@host:5432/x --clients 32

It starts the application with uvicorn (DEBUG off) on a fresh database — SQLite in a temporary
directory, or a new database created on the given PostgreSQL server and dropped afterwards —
with `--staff` employees of capacity `--capacity` and one car-wash service. Then:

1. for `--duration` seconds, `--clients` concurrent clients each loop: create a booking with
   `auto_assign: true`; if somebody was assigned, cancel it again (so capacity keeps being
   claimed and released, and with more clients than places the lock is contended). Meanwhile
   a monitor samples every employee's derived workload from the database and counts anyone
   over capacity. At the end, drift = employees whose workload as the Employees API reports
   it differs from a row-by-row recount of the bookings.
2. for the same time and clients, a bare authenticated Django endpoint that inserts one row,
   served by the same application, as the yardstick;
3. with `--floor-inserts K`, for the same time and clients, an endpoint that makes K such
   inserts in one transaction: what the statements alone of a write path cost, with none of
   its own work around them (docs/performance.md, "Round ten").

Prints one JSON line: requests/s, p50/p99 latency, bookings created, over-capacity (must be
0), drift (must be 0), and the ratio of the two request rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    drop_postgres,
    free_port,
    fresh_postgres,
    own_connections,
    server_environment,
    uvicorn_command,
    wait_until_up,
)

ORG_SLUG = "bench"
SERVER_FLAG = "SWITCHBOARD_BENCH_BOOKINGS_SERVER"


# -- the served application: Django's, plus the bare endpoint ------------------------------


def _server_application():
    """What uvicorn serves: the project's ASGI app with one extra URL, /bench/insert."""
    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    from switchboard.asgi import application

    return application


def _bare_insert_view():
    from django.db import transaction
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from switchboard.bookings.models import BookingTransition

    def insert(request):
        return BookingTransition.objects.create(
            organization_id=int(os.environ["BENCH_ORG_ID"]),
            booking_ref=0,
            action="updated",
            by=request.user,
            note="bench",
        )

    class BareInsert(APIView):
        """Token authentication, then one INSERT: the floor under any write endpoint. At
        /bench/insert/K, K of them in one transaction (`--floor-inserts`)."""

        def post(self, request, inserts=None):
            if inserts is None:
                return Response({"id": insert(request).pk}, status=201)
            with transaction.atomic():
                rows = [insert(request) for _ in range(inserts)]
            return Response({"id": rows[-1].pk}, status=201)

    return BareInsert.as_view()


if os.environ.get(SERVER_FLAG) == "1":
    from django.urls import include, path

    application = _server_application()
    bare_insert = _bare_insert_view()
    urlpatterns = [
        path("bench/insert", bare_insert),
        path("bench/insert/<int:inserts>", bare_insert),
        path("", include("switchboard.urls")),
    ]


# -- set-up ------------------------------------------------------------------------------


def populate(staff: int, capacity: int) -> dict:
    """The bench organisation, its crew and service, and an operator's API token."""
    from switchboard.accounts.models import Membership, Role, User
    from switchboard.accounts.services import api_token_issue, organization_create
    from switchboard.catalog.services import service_create
    from switchboard.staff.services import staff_create

    owner = User.objects.create_user("bench-owner", password=secrets.token_hex(8))
    org = organization_create(name="Bench", slug=ORG_SLUG, owner=owner, acting_user=None)
    operator = User.objects.create_user("bench-operator", password=secrets.token_hex(8))
    Membership.objects.create(organization=org, user=operator, role=Role.OPERATOR)
    for n in range(staff):
        washer = User.objects.create_user(f"washer{n}", first_name=f"Washer {n}")
        Membership.objects.create(organization=org, user=washer, role=Role.STAFF)
        staff_create(
            organization=org, user=washer, skills=["employee"], capacity=capacity, acting_user=owner
        )
    service = service_create(
        organization=org, name="Car wash", skill="employee", duration_minutes=30, acting_user=owner
    )
    _, token = api_token_issue(user=operator, name="bench")
    return {"org": org.pk, "service": service.pk, "token": token}


# -- load --------------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors = 0
        self.created = self.assigned = self.cancelled = 0

    def summary(self, seconds: float) -> dict:
        ordered = sorted(self.latencies)

        def pct(p):
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

        return {
            "requests": len(ordered),
            "requests_per_s": round(len(ordered) / seconds, 1),
            "p50_ms": pct(0.50) if ordered else None,
            "p99_ms": pct(0.99) if ordered else None,
            "errors": self.errors,
        }


async def timed(client, tally: Tally, method: str, url: str, body: dict):
    """The response, or None when the connection failed (counted as an error, not fatal)."""
    import httpx

    started = time.perf_counter()
    try:
        response = await client.request(method, url, json=body)
    except httpx.TransportError:
        tally.errors += 1
        return None
    tally.latencies.append(time.perf_counter() - started)
    if response.status_code >= 400:
        tally.errors += 1
    return response


async def booking_client(client, tally: Tally, ids: dict, number: int, deadline: float):
    base = f"/api/orgs/{ORG_SLUG}/bookings/"
    n = 0
    while time.monotonic() < deadline:
        n += 1
        body = {
            "service": ids["service"],
            "starts_at": "2030-01-01T00:00:00Z",
            "customer_name": f"Client {number}-{n}",
            "auto_assign": True,
        }
        created = await timed(client, tally, "POST", base, body)
        if created is None or created.status_code != 201:
            continue
        tally.created += 1
        booking = created.json()
        if booking["assignee"] is None:
            continue
        tally.assigned += 1
        cancelled = await timed(
            client, tally, "PATCH", f"{base}{booking['id']}/", {"status": "cancelled"}
        )
        tally.cancelled += cancelled is not None and cancelled.status_code == 200


async def insert_client(client, tally: Tally, deadline: float, path="/bench/insert"):
    while time.monotonic() < deadline:
        await timed(client, tally, "POST", path, {})


async def run_clients(url: str, token: str, clients: int, seconds: float, make) -> float:
    async with own_connections(url, token, clients) as opened:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(make(client, n, deadline) for n, client in enumerate(opened)))
        return time.monotonic() - started


async def open_loop(url: str, token: str, ids: dict, rate: float, seconds: float):
    """Bookings arriving on a fixed schedule, whatever the server's pace: each one's latency
    runs from when it was due, so a server that falls behind is charged for the queue."""
    import httpx

    creates, cancels = Tally(), Tally()
    headers = {"Authorization": f"Token {token}"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60
    ) as client:
        started = time.monotonic()
        arrivals = []
        for n in range(int(rate * seconds)):
            due = started + n / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            arrivals.append(asyncio.create_task(arrival(client, creates, cancels, ids, n, due)))
        await asyncio.gather(*arrivals)
    return creates, cancels


async def arrival(client, creates: Tally, cancels: Tally, ids: dict, n: int, due: float):
    import httpx

    base = f"/api/orgs/{ORG_SLUG}/bookings/"
    body = {
        "service": ids["service"],
        "starts_at": "2030-01-01T00:00:00Z",
        "customer_name": f"Walk-in {n}",
        "auto_assign": True,
    }
    try:
        created = await client.post(base, json=body)
    except httpx.TransportError:
        creates.errors += 1
        return
    creates.latencies.append(time.monotonic() - due)
    if created.status_code != 201:
        creates.errors += 1
        return
    creates.created += 1
    if created.json()["assignee"] is not None:
        creates.assigned += 1
        await timed(
            client, cancels, "PATCH", f"{base}{created.json()['id']}/", {"status": "cancelled"}
        )


class Monitor(threading.Thread):
    """Samples everyone's derived workload and counts anyone found over capacity."""

    def __init__(self, org_id: int):
        super().__init__(daemon=True)
        self.org_id = org_id
        self.stop = threading.Event()
        self.samples = 0
        self.over_capacity = 0
        self.busiest = 0

    def run(self):
        from django.db import connection

        from switchboard.accounts.models import Organization
        from switchboard.bookings.selectors import employees_with_workload
        from switchboard.common.tenancy import org_scope

        org = Organization.objects.get(pk=self.org_id)
        with org_scope(org):
            while not self.stop.is_set():
                workload = employees_with_workload(org)
                rows = list(workload.values_list("current_assignments", "capacity"))
                self.samples += 1
                self.over_capacity += sum(1 for load, cap in rows if load > cap)
                self.busiest = max([self.busiest, *(load for load, _ in rows)])
                self.stop.wait(0.25)
        connection.close()


def drift(url: str, token: str, org_id: int) -> int:
    """Employees whose workload, as the API reports it, differs from a row-by-row recount."""
    import httpx

    from switchboard.accounts.models import Organization
    from switchboard.bookings.management.commands.sync_employee_workload import recount
    from switchboard.common.tenancy import org_scope

    org = Organization.objects.get(pk=org_id)
    with org_scope(org):
        truth = recount(org)
    response = httpx.get(
        f"{url}/api/orgs/{ORG_SLUG}/employees/",
        params={"page_size": 500},
        headers={"Authorization": f"Token {token}"},
    )
    reported = {row["id"]: row["current_assignments"] for row in response.json()["results"]}
    return sum(1 for pk, load in reported.items() if truth[pk] != load)


# -- main --------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server; default SQLite")
    parser.add_argument(
        "--both", action="store_true", help="SQLite, then the --database-url server, one line"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    # Fewer places than clients, so that assignments meet full staff and the lock is contended.
    parser.add_argument("--staff", type=int, default=4)
    parser.add_argument("--capacity", type=int, default=2)
    # More than one process, so that transactions really run at the same time.
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--open-rate", type=float, default=20.0, help="open loop: bookings/s")
    parser.add_argument("--open-duration", type=float, default=30.0, help="open loop: seconds")
    parser.add_argument(
        "--floor-inserts", type=int, default=0, help="also time K inserts in one transaction"
    )
    args = parser.parse_args()
    if args.both and not args.database_url:
        parser.error("--both needs --database-url")
    if not args.both:
        print(json.dumps(run(args, args.database_url)))
        return
    sqlite = run_in_child(args, None)
    postgresql = run_in_child(args, args.database_url)
    sqlite_rate = sqlite["bookings"]["requests_per_s"]
    print(
        json.dumps(
            {
                "benchmark": "bookings",
                "sqlite": sqlite,
                "postgresql": postgresql,
                "postgresql_to_sqlite": round(
                    postgresql["bookings"]["requests_per_s"] / sqlite_rate, 3
                )
                if sqlite_rate
                else None,
            }
        )
    )


def run_in_child(args, database_url: str | None) -> dict:
    """One database's run in a process of its own (Django is set up once per process)."""
    command = [sys.executable, __file__, *_passed_on(args)]
    if database_url:
        command += ["--database-url", database_url]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _passed_on(args) -> list[str]:
    names = (
        *("clients", "duration", "staff", "capacity", "workers"),
        *("open_rate", "open_duration", "floor_inserts"),
    )
    return [x for name in names for x in (f"--{name.replace('_', '-')}", str(getattr(args, name)))]


def run(args, database_url: str | None) -> dict:
    var_dir = tempfile.mkdtemp(prefix="sb-bench-bookings-")
    pg_server, pg_name = database_url, None
    if database_url:
        database_url, pg_name = fresh_postgres(database_url, "bench_bookings")
    env = server_environment(var_dir, database_url)
    os.environ.update(env)
    if not database_url:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    server = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        import django

        django.setup()
        from django.db import connection

        ids = populate(args.staff, args.capacity)
        url, server = start_server(env, ids, args.workers)
        result = {
            "benchmark": "bookings",
            "database": "postgresql" if database_url else "sqlite",
            "clients": args.clients,
            "duration_s": args.duration,
            "uvicorn_workers": args.workers,
            "staff": args.staff,
            "capacity": args.capacity,
            **measure(args, url, ids),
        }
        connection.close()
        return result
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if pg_name:
            drop_postgres(pg_server, pg_name)
        shutil.rmtree(var_dir, ignore_errors=True)


def start_server(env: dict, ids: dict, workers: int):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server_env = env | {SERVER_FLAG: "1", "BENCH_ORG_ID": str(ids["org"])}
    server = subprocess.Popen(
        uvicorn_command("bench.bookings:application", port, workers, server_env),
        cwd=ROOT,
        env=server_env,
    )
    wait_until_up(url, server)
    return url, server


def measure(args, url: str, ids: dict) -> dict:
    """The three phases: closed-loop bookings (with the capacity monitor and the drift
    check), the bare insert as the yardstick, and bookings arriving at a fixed rate."""
    bookings = Tally()
    monitor = Monitor(ids["org"])
    monitor.start()
    booking_seconds = asyncio.run(
        run_clients(
            url,
            ids["token"],
            args.clients,
            args.duration,
            lambda client, n, deadline: booking_client(client, bookings, ids, n, deadline),
        )
    )
    monitor.stop.set()
    monitor.join()
    drifted = drift(url, ids["token"], ids["org"])
    bare = Tally()
    bare_seconds = asyncio.run(
        run_clients(
            url,
            ids["token"],
            args.clients,
            args.duration,
            lambda client, n, deadline: insert_client(client, bare, deadline),
        )
    )
    floor = transaction_floor(args, url, ids) if args.floor_inserts > 0 else {}
    creates, cancels = asyncio.run(
        open_loop(url, ids["token"], ids, args.open_rate, args.open_duration)
    )
    open_drift = drift(url, ids["token"], ids["org"])
    booking_stats = bookings.summary(booking_seconds)
    bare_stats = bare.summary(bare_seconds)
    open_stats = creates.summary(args.open_duration)
    ratio = booking_stats["requests_per_s"] / bare_stats["requests_per_s"] if bare.latencies else 0
    return {
        "bookings": booking_stats
        | {
            "bookings_created": bookings.created,
            "auto_assigned": bookings.assigned,
            "left_unassigned": bookings.created - bookings.assigned,
            "cancelled": bookings.cancelled,
            "workload_samples": monitor.samples,
            "busiest_seen": monitor.busiest,
            "over_capacity": monitor.over_capacity,
            "drift": drifted,
        },
        "bare_insert": bare_stats,
        "ratio_to_bare": round(ratio, 3),
        **against_floor(booking_stats, floor),
        "open_loop": open_stats
        | {
            "rate_per_s": args.open_rate,
            "duration_s": args.open_duration,
            "auto_assigned": creates.assigned,
            "cancel_p99_ms": cancels.summary(args.open_duration)["p99_ms"],
            "cancel_errors": cancels.errors,
            "drift": open_drift,
        },
        "targets": {
            "ratio_to_bare_at_least_0.5": ratio >= 0.5,
            "p99_at_most_4x_p50": booking_stats["p99_ms"] <= 4 * booking_stats["p50_ms"],
            "open_loop_p99_at_most_150ms": (open_stats["p99_ms"] or 1e9) <= 150,
            "no_over_capacity_drift_or_errors": not (
                monitor.over_capacity or drifted or open_drift or bookings.errors
            ),
        },
    }


def transaction_floor(args, url: str, ids: dict) -> dict:
    """K inserts in one transaction per request: the statements of a write path, alone."""
    floor, path = Tally(), f"/bench/insert/{args.floor_inserts}"
    seconds = asyncio.run(
        run_clients(
            url,
            ids["token"],
            args.clients,
            args.duration,
            lambda client, n, deadline: insert_client(client, floor, deadline, path),
        )
    )
    return floor.summary(seconds) | {"inserts": args.floor_inserts}


def against_floor(booking_stats: dict, floor: dict) -> dict:
    if not floor.get("requests_per_s"):
        return {}
    ratio = booking_stats["requests_per_s"] / floor["requests_per_s"]
    return {"transaction_floor": floor, "ratio_to_floor": round(ratio, 3)}


if __name__ == "__main__":
    main()
