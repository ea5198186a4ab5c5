"""Our SQLite cursor converts a statement's placeholders once and keeps the answer."""

import pytest
from django.db.backends.sqlite3.base import SQLiteCursorWrapper

from switchboard.common.sqlite_backend.base import CursorWrapper
from tests.common.test_sqlite_pool import opened


@pytest.fixture(autouse=True)
def scratch_databases_allowed(django_db_blocker):
    with django_db_blocker.unblock():
        yield


STATEMENTS = [
    "SELECT %s",
    "SELECT n FROM t WHERE n = %s AND label LIKE 'a%%' AND other = %s",
    "SELECT '%%s' AS literal, %s",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_a_statement_is_converted_as_django_converts_it_and_kept(tmp_path, statement):
    db = opened(tmp_path / "cursor.sqlite3")
    cursor = db.connection.cursor(factory=CursorWrapper)
    stock = db.connection.cursor(factory=SQLiteCursorWrapper)
    first = cursor.convert_query(statement)
    assert first == stock.convert_query(statement)
    assert cursor.convert_query(statement) is first
    db.close()


def test_statements_run_through_it_with_either_placeholder_style(tmp_path):
    db = opened(tmp_path / "styles.sqlite3")
    with db.cursor() as cursor:
        assert isinstance(cursor.cursor, CursorWrapper)
        cursor.execute("CREATE TABLE t (n INTEGER, label TEXT)")
        cursor.execute("INSERT INTO t VALUES (%s, %s)", [1, "a%"])
        cursor.execute("INSERT INTO t VALUES (%(n)s, %(label)s)", {"n": 2, "label": "b"})
        for _ in range(2):
            cursor.execute("SELECT n FROM t WHERE label LIKE 'a%%' AND n = %s", [1])
            assert cursor.fetchall() == [(1,)]
        cursor.execute("SELECT count(*) FROM t WHERE n = %s", [2])
        assert cursor.fetchone() == (1,)
    db.close()
