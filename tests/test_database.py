import os

from django.db import connection


def test_the_suite_runs_on_the_database_it_was_given(db):
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_sqlite_runs_in_wal_with_immediate_transactions(db):
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_either_database_gets_a_connection_pool_sized_from_the_environment(monkeypatch):
    from switchboard import settings

    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/sb")
    monkeypatch.setenv("DATABASE_POOL", "1")
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "24")
    pool = settings.database_settings()["OPTIONS"]["pool"]
    assert pool == {"min_size": 2, "max_size": 24, "timeout": 10.0}
    monkeypatch.setenv("DATABASE_POOL", "0")
    assert "pool" not in settings.database_settings().get("OPTIONS", {})
    # SQLite: open connections kept per process (common/sqlite_backend/pool.py).
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    assert settings.database_settings()["OPTIONS"]["pool"] == 0
    monkeypatch.setenv("DATABASE_POOL", "1")
    assert settings.database_settings()["OPTIONS"]["pool"] == 24
    monkeypatch.delenv("DATABASE_POOL_MAX_SIZE")
    assert settings.database_settings()["OPTIONS"]["pool"] == 10
