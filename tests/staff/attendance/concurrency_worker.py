"""Run in a worker process by the attendance race test (tests/support/processes.py): its own
Django and connections to the test database, several threads punching for one person."""

import contextlib
import os
import random


def punch_in_threads(*, org_id: int, staff_id: int, seed: int, threads: int, barrier) -> int:
    """Each thread makes a few random punches for the person, all released at once.

    Returns the number of threads that failed (with their tracebacks printed)."""
    from switchboard.accounts.models import Organization
    from switchboard.common.errors import Conflict
    from switchboard.common.tenancy import cross_org
    from switchboard.staff.models import StaffMember
    from tests.staff.attendance.test_concurrency import PUNCHES, in_threads

    with cross_org():  # test code reads directly; the services scope themselves
        org = Organization.objects.get(pk=org_id)
        me = StaffMember.objects.select_related("user").get(pk=staff_id)
    rng = random.Random(seed)
    plan = [[rng.choice(PUNCHES) for _ in range(4)] for _ in range(threads)]

    def work(n):
        for punch in plan[n]:
            with contextlib.suppress(Conflict):
                punch(organization=org, acting_user=me.user)

    barrier.wait()
    _, failures = in_threads(work, count=threads)
    for failure in failures:
        print(failure)
    return len(failures)


def process_main(database_name: str, org_id: int, staff_id: int, seed: int, threads: int, barrier):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")
    import django
    from django.conf import settings

    django.setup()
    # The worker knows the configured database; point it at the test one.
    settings.DATABASES["default"]["NAME"] = database_name
    failed = punch_in_threads(
        org_id=org_id, staff_id=staff_id, seed=seed, threads=threads, barrier=barrier
    )
    raise SystemExit(1 if failed else 0)
