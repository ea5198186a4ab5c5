"""Run in threads, and in worker processes, by the race tests: operators assigning one
driver to several pickups at the same moment."""

import os
import threading
import traceback


def assign_in_threads(*, ids: dict, bookings: list[int], barrier=None) -> dict:
    """One thread per booking, all released at once, each assigning the one driver.
    Returns counts of `ok`, `conflict` and `error` (with tracebacks printed)."""
    from django.db import connection

    from switchboard.accounts.models import User
    from switchboard.bookings.models import Booking
    from switchboard.common.errors import Conflict
    from switchboard.common.tenancy import cross_org
    from switchboard.dispatch import services
    from switchboard.staff.models import StaffMember

    with cross_org():  # test code reads directly; the service scopes itself
        rows = list(Booking.objects.filter(pk__in=bookings))
        driver = StaffMember.objects.get(pk=ids["driver"])
    operator = User.objects.get(pk=ids["operator"])
    connection.close()
    start_line = threading.Barrier(len(rows))
    counts = {"ok": 0, "conflict": 0, "error": 0}
    lock = threading.Lock()

    def one(booking):
        outcome = "ok"
        try:
            start_line.wait()
            services.pickup_assign(booking=booking, driver=driver, acting_user=operator)
        except Conflict:
            outcome = "conflict"
        except Exception:
            outcome = "error"
            print(traceback.format_exc())
        finally:
            connection.close()
        with lock:
            counts[outcome] += 1

    if barrier is not None:
        barrier.wait()
    workers = [threading.Thread(target=one, args=(row,)) for row in rows]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counts


def process_main(database_name: str, locked: bool, ids: dict, bookings: list[int], barrier):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    from switchboard.dispatch import lock_objects

    lock_objects.DRIVER_LOCK = locked
    counts = assign_in_threads(ids=ids, bookings=bookings, barrier=barrier)
    raise SystemExit(1 if counts["error"] else 0)
