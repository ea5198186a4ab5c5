"""Slots benchmark: generate a big window, rerun it, read a month of one service's slots.

    .venv/bin/python bench/slots.py                                   # SQLite, 500 providers
    .venv/bin/python bench/slots.py --database-url postgres://u@host:5432/x
    .venv/bin/python bench/slots.py --providers 100                   # a reduced size

On a fresh database (SQLite in a temporary directory, or a new database on the given
PostgreSQL server, dropped afterwards), `--providers` providers each offer two services of
their own (60 minutes, hourly) and are available 09:00-17:00 every day. Then, in one
process:

1. generation: `slots_maintain` of the whole organisation, `--days` days ahead
   (500 x 2 x 30 x 8 = 240,000 slots);
2. the no-op rerun: the same call again, which must change nothing;
3. the full-compare rerun (`full=True`: every slot read back and compared), for reference;
4. one service's free slots for the month through the API (`GET .../slots/?service=…`,
   in process through Django's whole stack: middleware, authentication, DRF), `--requests`
   times, p50 and p99;
5. the yardstick: the same rows deleted and inserted again with one raw `executemany`
   (no ORM), timed.

Targets: generation <= 2 x the raw insert, no-op rerun <= 10 % of generation, API p99 <=
50 ms. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import drop_postgres, fresh_postgres, server_environment  # noqa: E402

ORG_SLUG = "bench"


def populate(providers: int) -> dict:
    from datetime import time as clock

    from switchboard.accounts.models import Membership, Organization, User
    from switchboard.catalog.models import Service
    from switchboard.common.tenancy import cross_org
    from switchboard.slots.models import ProviderAvailability
    from switchboard.staff.models import StaffMember

    with cross_org():
        org = Organization.objects.create(slug=ORG_SLUG, name="Bench", timezone="Europe/Dublin")
        owner = User.objects.create_user("bench-owner")
        Membership.objects.create(organization=org, user=owner, role="owner")
        users = User.objects.bulk_create(User(username=f"p{n}") for n in range(providers))
        staff = StaffMember.objects.bulk_create(
            StaffMember(organization=org, user=user, display_name=user.username) for user in users
        )
        services = Service.objects.bulk_create(
            Service(organization=org, name=f"{kind} {n}", duration_minutes=60)
            for n in range(providers)
            for kind in ("Cut", "Colour")
        )
        Through = Service.providers.through
        Through.objects.bulk_create(
            Through(service_id=svc.pk, staffmember_id=staff[n // 2].pk)
            for n, svc in enumerate(services)
        )
        ProviderAvailability.objects.bulk_create(
            ProviderAvailability(
                organization=org, staff=s, weekday=day, start_time=clock(9), end_time=clock(17)
            )
            for s in staff
            for day in range(7)
        )
    return {"org": org, "owner": owner, "service": services[0]}


def timed_maintain(org, days: int, **options) -> tuple[float, dict]:
    from switchboard.common.tenancy import org_scope
    from switchboard.slots.services import slots_maintain

    started = time.perf_counter()
    with org_scope(org):
        report = slots_maintain(organization=org, acting_user=None, days_ahead=days, **options)
    return time.perf_counter() - started, report.changes.as_dict()


def time_api(owner, service, days: int, requests: int) -> dict:
    from datetime import timedelta

    from rest_framework.test import APIClient

    from switchboard.common.clock import now

    client = APIClient()
    client.force_authenticate(owner)
    first = now().date()
    query = {
        "service": service.pk,
        "date_from": first.isoformat(),
        "date_to": (first + timedelta(days=days - 1)).isoformat(),
        "available": "true",
    }
    url = f"/api/orgs/{ORG_SLUG}/slots/"
    for _ in range(5):  # warm up: the first requests import and compile what they use
        client.get(url, query)
    latencies, count = [], 0
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, query)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, (response.status_code, response.content[:200])
        count = len(response.json())
    latencies.sort()
    return {
        "requests": requests,
        "slots_per_answer": count,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
    }


def time_raw_insert() -> tuple[float, int]:
    """Read the generated rows, delete them, insert them again with one executemany."""
    from django.db import connection, transaction

    from switchboard.common.tenancy import cross_org
    from switchboard.slots.models import BookingSlot

    columns = ["organization_id", "created_at", "service_id", "provider_id", "starts_at"]
    columns += ["ends_at", "capacity", "conflict_since"]
    with cross_org():
        rows = list(BookingSlot.objects.values_list(*columns))
        BookingSlot.objects.all().delete()
    adapt = connection.ops.adapt_datetimefield_value
    # Adapted for the database before the clock starts: the floor, nothing but the INSERT.
    rows = [(o, adapt(c), s, p, adapt(a), adapt(b), n, x) for o, c, s, p, a, b, n, x in rows]
    table = BookingSlot._meta.db_table
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return time.perf_counter() - started, len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server; default SQLite")
    parser.add_argument("--providers", type=int, default=500)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="sb-bench-slots-")
    database_url, pg_name = None, None
    if args.database_url:
        database_url, pg_name = fresh_postgres(args.database_url)
    env = server_environment(var_dir, database_url)
    env["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ.update(env)
    if not database_url:
        os.environ.pop("DATABASE_URL", None)
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

        from switchboard.common.clock import frozen_at

        ids = populate(args.providers)
        org = ids["org"]
        # A fixed moment (a Monday, 06:00 UTC), so that every run makes the same rows.
        with frozen_at(datetime(2026, 6, 1, 6, 0, tzinfo=UTC)):
            generation, made = timed_maintain(org, args.days)
            noop, again = timed_maintain(org, args.days)
            full, compared = timed_maintain(org, args.days, full=True)
            api = time_api(ids["owner"], ids["service"], args.days, args.requests)
        raw, rows = time_raw_insert()
        connection.close()
        result = {
            "benchmark": "slots",
            "database": "postgresql" if database_url else "sqlite",
            "providers": args.providers,
            "services": 2 * args.providers,
            "days": args.days,
            "slots": made["created"],
            "generation_s": round(generation, 3),
            "raw_insert_s": round(raw, 3),
            "raw_rows": rows,
            "generation_vs_raw": round(generation / raw, 2),
            "noop_rerun_s": round(noop, 3),
            "noop_vs_generation": round(noop / generation, 4),
            "noop_changes": {k: v for k, v in again.items() if k != "conflict_slots"},
            "full_compare_rerun_s": round(full, 3),
            "full_compare_changes": {k: v for k, v in compared.items() if k != "conflict_slots"},
            "api_month_of_one_service": api,
        }
        print(json.dumps(result))
    finally:
        if pg_name:
            drop_postgres(args.database_url, pg_name)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
