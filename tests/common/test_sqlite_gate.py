"""The SQLite write gate: writers queue for the lock instead of racing the busy handler.

Each thread opens its own connection on a scratch database with a busy timeout of 10 ms
and writes in short transactions. Through Django's stock backend some of them give up with
"database is locked" (the busy handler is luck); through ours none does, because the
gate queues them before SQLite is asked.
"""

import threading
import time

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper as StockWrapper
from django.db.utils import OperationalError

from switchboard.common.sqlite_backend.base import DatabaseWrapper as GatedWrapper

THREADS, WRITES = 8, 25


@pytest.fixture(autouse=True)
def scratch_databases_allowed(django_db_blocker):
    # Connections of our own to scratch files, not the test database.
    with django_db_blocker.unblock():
        yield


def settings_for(path):
    return {
        "ENGINE": "",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.01},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }


def hammer(wrapper_class, path):
    """Every thread's writes; returns (rows written, "database is locked" failures)."""
    setup = wrapper_class(settings_for(path), alias=f"setup-{wrapper_class.__module__}")
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    setup.close()
    failures, start = [], threading.Barrier(THREADS)

    def writer(number):
        db = wrapper_class(settings_for(path), alias=f"w{number}")
        start.wait()
        for _ in range(WRITES):
            try:
                db.set_autocommit(True)
                db._start_transaction_under_autocommit()
                with db.cursor() as cursor:
                    cursor.execute("INSERT INTO t VALUES (1)")
                    # Holding the lock a moment, as a request's transaction does.
                    time.sleep(0.002)
                db.commit()
            except OperationalError as exc:
                failures.append(str(exc))
                db.rollback()
        db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    check = wrapper_class(settings_for(path), alias="check")
    with check.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        rows = cursor.fetchone()[0]
    check.close()
    return rows, failures


def test_through_the_stock_backend_some_writers_give_up(tmp_path):
    rows, failures = hammer(StockWrapper, tmp_path / "stock.sqlite3")
    assert failures and all("locked" in f for f in failures)
    assert rows == THREADS * WRITES - len(failures)


def test_through_the_gate_every_writer_gets_its_turn(tmp_path):
    rows, failures = hammer(GatedWrapper, tmp_path / "gated.sqlite3")
    assert failures == []
    assert rows == THREADS * WRITES


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_gate_is_let_go_however_the_transaction_ends(tmp_path, end):
    path = tmp_path / "ends.sqlite3"
    first = GatedWrapper(settings_for(path), alias="first")
    first.ensure_connection()
    first._start_transaction_under_autocommit()
    getattr(first, end)()
    entered = threading.Event()

    def begin():
        second = GatedWrapper(settings_for(path), alias="second")
        second.ensure_connection()
        second._start_transaction_under_autocommit()
        entered.set()
        second.rollback()
        second.close()

    thread = threading.Thread(target=begin)
    thread.start()
    assert entered.wait(timeout=30)
    thread.join(timeout=30)
    first.close()
