"""SQLite connections kept for the next request (common/sqlite_backend/pool.py).

Each case opens wrappers of our backend on a scratch file, as request threads do, and looks
at which underlying connection each one gets.
"""

import os
import threading

import pytest

from switchboard.common.sqlite_backend.base import DatabaseWrapper
from switchboard.common.sqlite_backend.pool import POOL
from tests.common.test_sqlite_gate import settings_for


@pytest.fixture(autouse=True)
def scratch_databases_allowed(django_db_blocker):
    with django_db_blocker.unblock():
        yield
    POOL.close_all()


def wrapper(path, pool=4, alias="scratch"):
    settings = settings_for(path)
    settings["OPTIONS"] = {**settings["OPTIONS"], "timeout": 5, "pool": pool}
    return DatabaseWrapper(settings, alias=alias)


def opened(path, **kwargs):
    db = wrapper(path, **kwargs)
    db.ensure_connection()
    return db


def run(db, *statements):
    """Run `statements` on `db`; the last one's rows."""
    with db.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        return cursor.fetchall()


def in_another_thread(work):
    found = []
    thread = threading.Thread(target=lambda: found.append(work()))
    thread.start()
    thread.join(timeout=30)
    return found[0]


def test_a_closed_connection_serves_the_next_request_in_another_thread(tmp_path):
    path = tmp_path / "kept.sqlite3"
    first = opened(path)
    run(first, "CREATE TABLE t (n INTEGER)", "INSERT INTO t VALUES (7)")
    underlying = first.connection
    first.close()

    def next_request():
        db = opened(path, alias="next")
        row = run(db, "SELECT n FROM t")[0]
        same = db.connection is underlying
        db.close()
        return same, row

    assert in_another_thread(next_request) == (True, (7,))


def test_each_open_connection_is_lent_to_one_wrapper_at_a_time(tmp_path):
    path = tmp_path / "lent.sqlite3"
    first = opened(path)
    first.close()
    second, third = opened(path, alias="second"), opened(path, alias="third")
    assert second.connection is not third.connection
    second.close()
    third.close()


def test_a_connection_closed_inside_a_transaction_is_closed_for_real(tmp_path):
    path = tmp_path / "unfinished.sqlite3"
    first = opened(path)
    run(first, "CREATE TABLE t (n INTEGER)")
    first._start_transaction_under_autocommit()
    run(first, "INSERT INTO t VALUES (1)")
    underlying = first.connection
    first.close()
    second = opened(path, alias="second")
    assert second.connection is not underlying
    # The unfinished write was never committed.
    assert run(second, "SELECT count(*) FROM t") == [(0,)]
    second.close()


def test_no_more_than_the_pool_size_stay_open(tmp_path):
    path = tmp_path / "bounded.sqlite3"
    many = [opened(path, pool=2, alias=f"db{n}") for n in range(4)]
    underlying = [db.connection for db in many]
    for db in many:
        db.close()
    again = [opened(path, pool=2, alias=f"again{n}") for n in range(4)]
    reused = [db.connection for db in again if any(db.connection is u for u in underlying)]
    assert len(reused) == 2
    for db in again:
        db.close()


def test_a_database_file_made_again_is_reached_through_a_new_connection(tmp_path):
    path = tmp_path / "remade.sqlite3"
    first = opened(path)
    run(first, "CREATE TABLE old (n INTEGER)")
    first.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.remove(f"{path}{suffix}")
    second = opened(path, alias="second")
    assert run(second, "SELECT name FROM sqlite_master WHERE name = 'old'") == []
    second.close()


def test_without_a_pool_every_connection_is_closed(tmp_path):
    path = tmp_path / "unpooled.sqlite3"
    first = opened(path, pool=0)
    underlying = first.connection
    first.close()
    second = opened(path, pool=0, alias="second")
    assert second.connection is not underlying
    second.close()
