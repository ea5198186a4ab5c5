"""Dispatch benchmark: nearest driver among many, batch assignment, offer hand-over.

    .venv/bin/python bench/dispatch.py                                  # SQLite
    .venv/bin/python bench/dispatch.py --database-url postgres://u@host:5432/x
    .venv/bin/python bench/dispatch.py --drivers 2000 --batch-pickups 50   # smaller

It runs in one process against a fresh database (SQLite in a temporary directory, or a
new database on the given PostgreSQL server, dropped afterwards), all data written in
bulk. Then:

1. nearest: `--drivers` drivers (default 10,000) of one organisation, clocked in, with
   fresh positions spread over a city; `selectors.nearest_available` for `--queries`
   random pickup places. Target: p99 <= 20 ms.
2. batch: `--batch-pickups` pending pickups (default 200) x `--batch-drivers` available
   drivers (500) in another organisation; `services.batch_assign(dry_run=False)`, reading
   and writing included (pairs locked, re-checked and written in bulk). Target: <= 1 s, and its
   total ETA / greedy's <= 1.0.
3. hand-over: `--offers` pickups (default 40), each offered to a driver who never answers
   (timeout 1 s, deadlines `--spread` s apart on average) with a second driver free; the real
   scheduler runs the `expire_offers` job; the delay from each offer's deadline to the next
   offer's `sent_at`. Target: p99 <= 1 s.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import drop_postgres, fresh_postgres  # noqa: E402

CENTRE = (14.55, 121.02)
SPREAD = 0.12  # degrees: a city about 26 km across


def percentile(values, share) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def business(slug: str, drivers: int, rng: random.Random):
    """An organisation with an operator, a home massage, and `drivers` clocked-in drivers
    with fresh positions; written in bulk."""
    from django.db import connection

    from switchboard.accounts.models import Membership, Organization, Role, User
    from switchboard.catalog.models import Service, Workflow
    from switchboard.common.clock import now
    from switchboard.dispatch.models import DriverPosition
    from switchboard.staff.attendance.models import ClockLog
    from switchboard.staff.models import Skill, StaffMember

    at = now()
    org = Organization.objects.create(name=slug.title(), slug=slug)
    operator = User.objects.create_user(f"{slug}-operator", password=secrets.token_hex(8))
    Membership.objects.create(organization=org, user=operator, role=Role.OPERATOR)
    driver_skill = Skill.objects.create(organization=org, slug="driver")
    therapist_skill = Skill.objects.create(organization=org, slug="therapist")
    Service.objects.create(
        organization=org, name="Home massage", workflow=Workflow.HOME_SERVICE,
        skill=therapist_skill,
    )  # fmt: skip
    users = User.objects.bulk_create(
        User(username=f"{slug}-driver{n}", first_name=f"Driver {n}") for n in range(drivers)
    )
    staff = StaffMember.objects.bulk_create(
        StaffMember(organization=org, user=user) for user in users
    )
    StaffMember.skills.through.objects.bulk_create(
        StaffMember.skills.through(staffmember_id=s.pk, skill_id=driver_skill.pk) for s in staff
    )
    ClockLog.objects.bulk_create(
        ClockLog(organization=org, staff=s, clock_in_at=at - timedelta(hours=1)) for s in staff
    )
    DriverPosition.objects.bulk_create(
        DriverPosition(
            organization=org,
            staff=s,
            lat=CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
            lng=CENTRE[1] + rng.uniform(-SPREAD, SPREAD),
            at=at,
        )
        for s in staff
    )
    if connection.vendor == "postgresql":
        # Bulk-loaded tables have no statistics until autovacuum gets to them; a live
        # database has them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return org, operator, staff


def pickups(org, operator, count: int, rng: random.Random, *, urgent_share=0.2):
    """`count` bookings waiting for a driver, with their pickup places (written in bulk)."""
    from switchboard.bookings.models import Booking
    from switchboard.catalog.models import Service
    from switchboard.common.clock import now
    from switchboard.dispatch.models import PickupRequest
    from switchboard.staff.models import StaffMember

    at = now()
    service = Service.objects.get(organization=org, name="Home massage")
    therapist = StaffMember.objects.create(
        organization=org, user=operator, display_name="Therapist"
    )
    rows = Booking.objects.bulk_create(
        Booking(
            organization=org, service=service, workflow="home_service",
            status="pickup_requested", assignee=therapist, customer_name=f"Customer {n}",
            starts_at=at + timedelta(hours=1), ends_at=at + timedelta(hours=2),
        )
        for n in range(count)
    )  # fmt: skip
    PickupRequest.objects.bulk_create(
        PickupRequest(
            organization=org, booking=b, requested_at=at - timedelta(minutes=count - n),
            urgency="urgent" if rng.random() < urgent_share else "normal",
            lat=CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
            lng=CENTRE[1] + rng.uniform(-SPREAD, SPREAD),
        )
        for n, b in enumerate(rows)
    )  # fmt: skip
    return rows


def bench_nearest(drivers: int, queries: int, rng) -> dict:
    from switchboard.common.tenancy import org_scope
    from switchboard.dispatch.selectors import nearest_available

    org, _, _ = business("nearest", drivers, rng)
    timings = []
    with org_scope(org):
        for _ in range(queries):
            lat = CENTRE[0] + rng.uniform(-SPREAD, SPREAD)
            lng = CENTRE[1] + rng.uniform(-SPREAD, SPREAD)
            started = time.perf_counter()
            found = nearest_available(org, lat=lat, lng=lng)
            timings.append((time.perf_counter() - started) * 1000)
            assert found, "nobody found"
    return {
        "drivers": drivers,
        "queries": queries,
        "p50_ms": round(percentile(timings, 0.5), 2),
        "p99_ms": round(percentile(timings, 0.99), 2),
    }


def bench_batch(pickup_count: int, drivers: int, rng) -> dict:
    from switchboard.bookings.models import Booking
    from switchboard.common.tenancy import org_scope
    from switchboard.dispatch.services import batch_assign

    org, operator, _ = business("batch", drivers, rng)
    with org_scope(org):
        pickups(org, operator, pickup_count, rng)
        started = time.perf_counter()
        result = batch_assign(organization=org, acting_user=operator, dry_run=False)
        seconds = time.perf_counter() - started
        assigned = Booking.objects.filter(status="driver_assigned_pickup").count()
    return {
        "pickups": pickup_count,
        "drivers": drivers,
        "seconds": round(seconds, 3),
        "applied": len(result["applied"]),
        "changed": len(result["changed"]),
        "assigned_rows": assigned,
        "total_eta_s": result["total_eta_seconds"],
        "greedy_total_eta_s": result["greedy_total_eta_seconds"],
        "ratio_to_greedy": result["ratio"],
    }


def bench_handover(offers: int, spread: float, rng) -> dict:
    from django.db.models import Count

    from switchboard.common.tenancy import cross_org, org_scope
    from switchboard.dispatch.models import DispatchSettings, PickupOffer
    from switchboard.dispatch.services import pickup_auto_assign
    from switchboard.scheduler import registry, runner

    org, operator, _ = business("handover", offers * 2, rng)
    with org_scope(org):
        DispatchSettings.objects.create(organization=org, offer_timeout_seconds=1)
        rows = pickups(org, operator, offers, rng, urgent_share=0)
    # Only the offer job runs: the relay draining the earlier phases' events would hold the
    # database (SQLite has one writer) and measure itself, not the hand-over.
    active = runner.start(runner.Runner(jobs=[registry.get("expire_offers")]))
    try:
        # Offers go out once this process leads the scheduler (a real deployment's steady
        # state), so that what is measured is the hand-over, not the start-up.
        started = time.monotonic()
        while not active.is_leader and time.monotonic() - started < 30:
            time.sleep(0.05)
        for booking in rows:
            with org_scope(org):
                pickup_auto_assign(booking=booking, acting_user=operator)
            time.sleep(rng.uniform(0, 2 * spread))  # deadlines `spread` s apart on average
        deadline = time.monotonic() + 60
        with cross_org():
            while time.monotonic() < deadline:
                # Every pickup handed over at least once (an early one may be on its third
                # offer by then: its drivers never answer either).
                counts = PickupOffer.objects.filter(organization=org).values("booking")
                handed = counts.annotate(n=Count("pk")).filter(n__gte=2).count()
                if handed >= offers:
                    break
                time.sleep(0.2)
            delays = []
            for booking in rows:
                sent = list(PickupOffer.objects.filter(booking=booking).order_by("sent_at"))
                if len(sent) >= 2:
                    delays.append((sent[1].sent_at - sent[0].expires_at).total_seconds())
    finally:
        runner.stop(timeout=5)
        del active
    return {
        "offers": offers,
        "spread_s": spread,
        "handed_over": len(delays),
        "p50_s": round(percentile(delays, 0.5), 3),
        "p99_s": round(percentile(delays, 0.99), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--drivers", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--batch-pickups", type=int, default=200)
    parser.add_argument("--batch-drivers", type=int, default=500)
    parser.add_argument("--offers", type=int, default=40)
    parser.add_argument("--spread", type=float, default=0.25, help="s between deadlines")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="bench-dispatch-")
    database, pg_name = args.database_url, None
    if database:
        database, pg_name = fresh_postgres(database)
    os.environ.update(
        {
            "SWITCHBOARD_VAR_DIR": var_dir,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PUSHER_APP_ID": "424242",
            "PUSHER_APP_KEY": "bench-key",
            "PUSHER_APP_SECRET": secrets.token_hex(20),
            "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        }
    )
    if database:
        os.environ["DATABASE_URL"] = database
    try:
        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        call_command("migrate", verbosity=0)
        rng = random.Random(args.seed)
        result = {"benchmark": "dispatch", "database": connection.vendor}
        result["nearest"] = bench_nearest(args.drivers, args.queries, rng)
        result["batch"] = bench_batch(args.batch_pickups, args.batch_drivers, rng)
        result["handover"] = bench_handover(args.offers, args.spread, rng)
        connection.close()
    finally:
        if pg_name:
            drop_postgres(args.database_url, pg_name)
        shutil.rmtree(var_dir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
