"""Run in a worker process by the concurrency test (tests/support/processes.py): its
own Django, its own connections to the test database, several threads booking at once."""

import os
import threading
import traceback
from datetime import UTC, datetime, timedelta

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def book_in_threads(*, ids: dict, offset: int, threads: int, barrier=None) -> int:
    """Create `threads` bookings with automatic assignment, all released at once.

    Returns the number of threads that failed (with their tracebacks printed)."""
    from django.db import connection

    from switchboard.accounts.models import Organization, User
    from switchboard.bookings import services
    from switchboard.catalog.models import Service
    from switchboard.common.tenancy import cross_org

    with cross_org():  # test code reads directly; the service scopes itself
        org = Organization.objects.get(pk=ids["org"])
        service = Service.objects.get(pk=ids["service"])
    operator = User.objects.get(pk=ids["operator"])
    connection.close()
    start_line = threading.Barrier(threads)
    failures = []

    def one(n):
        try:
            start_line.wait()
            services.booking_create(
                organization=org,
                service=service,
                starts_at=START + timedelta(minutes=offset + n),
                customer_name=f"Customer {offset + n}",
                auto_assign=True,
                allow_past=True,  # a fixed date, whatever today is
                acting_user=operator,
            )
        except Exception:
            failures.append(traceback.format_exc())
        finally:
            connection.close()

    if barrier is not None:
        barrier.wait()
    workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for failure in failures:
        print(failure)
    return len(failures)


def process_main(database_name: str, locked: bool, ids: dict, offset: int, threads: int, barrier):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")
    import django
    from django.conf import settings

    django.setup()
    # The worker knows the configured database; point it at the test one.
    settings.DATABASES["default"]["NAME"] = database_name
    from switchboard.bookings import lock_objects

    lock_objects.CAPACITY_LOCK = locked
    failed = book_in_threads(ids=ids, offset=offset, threads=threads, barrier=barrier)
    raise SystemExit(1 if failed else 0)
