"""Rows written once for a whole module and shared by its tests, as Django's
`TestCase.setUpTestData` does.

The route walks (isolation, permissions) run hundreds of tests against the same populated
organisation; writing it again for each test was most of their time, on PostgreSQL above
all. Here the rows are written inside a transaction that stays open for the module: each
test runs in a savepoint within it (pytest-django's `db`), so whatever a test changes is
undone after it, and the module's transaction is rolled back at its end, leaving nothing
behind for the next module. Tests must read the rows afresh (`fresh`), never keep a shared
Python object that an earlier test may have changed in memory.

Only for modules whose tests all run in a transaction (`db`): a `transaction=True` test,
a live server or another thread would not see uncommitted rows.
"""

from django.db import transaction
from django.test import override_settings

from switchboard.common.tenancy import cross_org

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def shared_rows(django_db_blocker, build):
    """The body of a module fixture: `yield from shared_rows(django_db_blocker, build)`.

    `build()` writes the rows (as test code: across organisations, with fast password
    hashing) and returns what the tests need; the rows are rolled back after the module.
    """
    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
    try:
        with (
            django_db_blocker.unblock(),
            cross_org(),
            override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        ):
            rows = build()
        yield rows
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def fresh(instance):
    """The row of `instance` read again: what the database holds for this test."""
    return type(instance).objects.get(pk=instance.pk)
