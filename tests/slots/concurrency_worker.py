"""Threads (and, in worker processes, more threads) booking seats of one slot at once."""

import os
import threading
import traceback


def book_in_threads(*, ids: dict, threads: int, offset: int = 0, barrier=None) -> tuple[int, int]:
    """`threads` bookings of one slot, released together: (made, refused as full).
    Anything else that goes wrong is printed and counted as neither."""
    from django.db import connection

    from switchboard.accounts.models import Organization, User
    from switchboard.bookings import services
    from switchboard.common.errors import Conflict
    from switchboard.common.tenancy import cross_org
    from switchboard.slots.models import BookingSlot

    with cross_org():
        org = Organization.objects.get(pk=ids["org"])
        slot = BookingSlot.objects.get(pk=ids["slot"])
    operator = User.objects.get(pk=ids["operator"])
    connection.close()
    start_line = threading.Barrier(threads)
    made, full, errors = [], [], []

    def one(n):
        try:
            start_line.wait()
            services.booking_create(
                organization=org,
                slot=slot,
                customer_name=f"Customer {offset + n}",
                acting_user=operator,
            )
            made.append(n)
        except Conflict:
            full.append(n)
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    if barrier is not None:
        barrier.wait()
    workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for error in errors:
        print(error)
    return len(made), len(full)


def process_main(database_name, locked, ids, offset, threads, barrier, results):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    from switchboard.bookings import lock_objects

    lock_objects.SLOT_LOCK = locked
    made, full = book_in_threads(ids=ids, threads=threads, offset=offset, barrier=barrier)
    results.put((made, full))
