"""Attendance benchmark: kiosk-like clients punching at once, and a month's attendance.

    .venv/bin/python bench/attendance.py                               # SQLite, 200 clients, 20 s
    .venv/bin/python bench/attendance.py --database-url postgres://u@host:5432/x

It starts the application with uvicorn (DEBUG off) on a fresh database (as
`bench/bookings.py` does: SQLite in a temporary directory, or a new database on the given
PostgreSQL server, dropped afterwards). Then:

1. for `--duration` seconds, `--clients` concurrent clients, each a kiosk for one of
   `--clients / 2` people (two kiosks per person, so punches for one person collide),
   loop: a random punch (clock in, start, end or toggle a break, clock out) naming the
   person, through the API. A 409 (the punch does not fit the state) is an answer, not an
   error. At the end every person's logs and breaks are checked against the invariants:
   at most one open log, logs that never overlap, at most one open break, breaks inside
   their log and none running in a closed log. Violations must be 0.
2. the timesheet of `--timesheet-staff` people x `--days` days (one shift and one log with
   a break per person per day, written in bulk) computed in one request: `GET
   /api/orgs/{slug}/attendance/timesheet/` over HTTP, as JSON and as CSV (`format=csv`),
   each timed from request to last byte (best of `--repeat`). Target: 1 s.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bookings import Tally, timed  # noqa: E402
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
PUNCHES = ("clock-in", "start-break", "end-break", "toggle-break", "clock-out")
MONTH_START = date(2026, 1, 1)  # long past: no live punch comes near these logs


# -- set-up ------------------------------------------------------------------------------


def populate(people: int) -> dict:
    """The bench organisation, `people` staff members, and an operator's API token."""
    from switchboard.accounts.models import Membership, Role, User
    from switchboard.accounts.services import api_token_issue, organization_create
    from switchboard.common.tenancy import org_scope
    from switchboard.staff.models import StaffMember

    owner = User.objects.create_user("bench-owner", password=secrets.token_hex(8))
    org = organization_create(name="Bench", slug=ORG_SLUG, owner=owner, acting_user=None)
    operator = User.objects.create_user("bench-kiosk", password=secrets.token_hex(8))
    Membership.objects.create(organization=org, user=operator, role=Role.OPERATOR)
    users = User.objects.bulk_create(
        User(username=f"worker{n}", first_name=f"Worker {n}") for n in range(people)
    )
    Membership.objects.bulk_create(
        Membership(organization=org, user=user, role=Role.STAFF) for user in users
    )
    with org_scope(org):
        staff = StaffMember.objects.bulk_create(
            StaffMember(organization=org, user=user) for user in users
        )
    _, token = api_token_issue(user=operator, name="bench")
    return {"org": org.pk, "staff": [s.pk for s in staff], "token": token}


def month_of_attendance(org_id: int, staff_ids: list[int], days: int) -> int:
    """One 09:00-17:00 shift a day per person, and a log (08:55-17:10, a 30-minute break)."""
    from switchboard.accounts.models import Organization
    from switchboard.common.tenancy import org_scope
    from switchboard.staff.attendance.models import Break, ClockLog, Shift

    org = Organization.objects.get(pk=org_id)
    zone = org.tzinfo
    with org_scope(org):
        for day in (MONTH_START + timedelta(days=n) for n in range(days)):
            Shift.objects.bulk_create(
                Shift(
                    organization=org,
                    staff_id=pk,
                    date=day,
                    start_time=clock_time(9),
                    end_time=clock_time(17),
                )
                for pk in staff_ids
            )
            clock_in = datetime.combine(day, clock_time(8, 55), zone).astimezone(UTC)
            logs = ClockLog.objects.bulk_create(
                ClockLog(
                    organization=org,
                    staff_id=pk,
                    clock_in_at=clock_in,
                    clock_out_at=clock_in + timedelta(hours=8, minutes=15),
                    source="api",
                )
                for pk in staff_ids
            )
            Break.objects.bulk_create(
                Break(
                    log=log,
                    started_at=clock_in + timedelta(hours=4),
                    ended_at=clock_in + timedelta(hours=4, minutes=30),
                )
                for log in logs
            )
    return len(staff_ids) * days


# -- load --------------------------------------------------------------------------------


async def kiosk(client, tally: Tally, refused: list, staff_id: int, seed: int, deadline: float):
    rng = random.Random(seed)
    base = f"/api/orgs/{ORG_SLUG}/attendance/"
    while time.monotonic() < deadline:
        punch = rng.choice(PUNCHES)
        answer = await timed(client, tally, "POST", f"{base}{punch}/", {"staff": staff_id})
        if answer is not None and answer.status_code == 409:
            tally.errors -= 1  # the state refused it: an answer, not a failure
            refused.append(punch)


async def run_kiosks(url: str, token: str, staff: list[int], clients: int, seconds: float):
    tally, refused = Tally(), []
    async with own_connections(url, token, clients) as opened:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                kiosk(client, tally, refused, staff[n % len(staff)], n, deadline)
                for n, client in enumerate(opened)
            )
        )
        return tally, len(refused), time.monotonic() - started


def violations(org_id: int) -> dict:
    """Every person's logs and breaks checked against the invariants."""
    from switchboard.accounts.models import Organization
    from switchboard.common.tenancy import org_scope
    from switchboard.staff.attendance.models import ClockLog

    org = Organization.objects.get(pk=org_id)
    found = {"two_open_logs": 0, "overlapping_logs": 0, "two_open_breaks": 0, "bad_breaks": 0}
    logs_seen = 0
    with org_scope(org):
        logs = ClockLog.objects.filter(
            organization=org, clock_in_at__gte=datetime(2026, 3, 1, tzinfo=UTC)
        )
        by_staff: dict[int, list] = {}
        for log in logs.prefetch_related("breaks").order_by("clock_in_at", "id"):
            by_staff.setdefault(log.staff_id, []).append(log)
            logs_seen += 1
    for logs in by_staff.values():
        found["two_open_logs"] += sum(log.clock_out_at is None for log in logs) > 1
        for earlier, later in itertools.pairwise(logs):
            found["overlapping_logs"] += (
                earlier.clock_out_at is None or earlier.clock_out_at > later.clock_in_at
            )
        for log in logs:
            breaks = list(log.breaks.all())
            running = [b for b in breaks if b.ended_at is None]
            found["two_open_breaks"] += len(running) > 1
            end = log.clock_out_at
            found["bad_breaks"] += sum(
                b.started_at < log.clock_in_at
                or (end is not None and (b.ended_at is None or b.ended_at > end))
                for b in breaks
            )
    return {"logs_checked": logs_seen, **found, "total": sum(found.values())}


TIMESHEET_TARGET_S = 1.0


def time_timesheet(url: str, token: str, days: int, repeat: int) -> dict:
    """The timesheet endpoint for the month, JSON then CSV, each the best of `repeat`."""
    import httpx

    last = MONTH_START + timedelta(days=days - 1)
    params = {"date_from": MONTH_START.isoformat(), "date_to": last.isoformat()}
    path = f"/api/orgs/{ORG_SLUG}/attendance/timesheet/"
    figures = {}
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        for kind, extra in (("json", {}), ("csv", {"format": "csv"})):
            best, answer = None, None
            for _ in range(repeat):
                started = time.perf_counter()
                answer = client.get(path, params=params | extra)
                seconds = time.perf_counter() - started
                best = seconds if best is None else min(best, seconds)
            answer.raise_for_status()
            if kind == "json":
                rows = answer.json()
                figures["rows"] = len(rows)
                figures["present"] = sum(row["status"] == "present" for row in rows)
            else:
                figures["csv_lines"] = answer.text.count("\n") - 1
            figures[f"{kind}_s"] = round(best, 3)
            figures[f"{kind}_bytes"] = len(answer.content)
    worst = max(figures["json_s"], figures["csv_s"])
    return {
        "measured": "GET /api/orgs/{slug}/attendance/timesheet/ over HTTP, one request each",
        **figures,
        "target_s": TIMESHEET_TARGET_S,
        "within_target": worst <= TIMESHEET_TARGET_S,
    }


# -- main --------------------------------------------------------------------------------


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        uvicorn_command("switchboard.asgi:application", port, workers, env),
        cwd=ROOT,
        env=env,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server; default SQLite")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--timesheet-staff", type=int, default=500)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--repeat", type=int, default=3, help="timesheet requests per format")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="sb-bench-attendance-")
    database_url, pg_name = None, None
    if args.database_url:
        database_url, pg_name = fresh_postgres(args.database_url)
    # The server logs each 409 as a warning: expected answers here, not failures.
    env = server_environment(var_dir, database_url)
    os.environ.update(env)
    if not database_url:
        os.environ.pop("DATABASE_URL", None)
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

        people = max(args.timesheet_staff, (args.clients + 1) // 2)
        ids = populate(people)
        kiosk_staff = ids["staff"][: max(1, args.clients // 2)]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(env, port, args.workers)
        wait_until_up(url, server)
        tally, refused, seconds = asyncio.run(
            run_kiosks(url, ids["token"], kiosk_staff, args.clients, args.duration)
        )
        found = violations(ids["org"])
        written = month_of_attendance(ids["org"], ids["staff"][: args.timesheet_staff], args.days)
        timesheet = time_timesheet(url, ids["token"], args.days, args.repeat)
        connection.close()
        result = {
            "benchmark": "attendance",
            "database": "postgresql" if database_url else "sqlite",
            "clients": args.clients,
            "people_punched_for": len(kiosk_staff),
            "duration_s": args.duration,
            "uvicorn_workers": args.workers,
            "punches": tally.summary(seconds) | {"refused_409": refused},
            "invariant_violations": found,
            "timesheet": {"staff": args.timesheet_staff, "days": args.days, "logs": written}
            | timesheet,
        }
        print(json.dumps(result))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if pg_name:
            drop_postgres(args.database_url, pg_name)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
