from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CommonConfig(AppConfig):
    name = "switchboard.common"
    label = "common"

    def ready(self):
        from switchboard.common.sqlite_metrics import watch_sqlite

        # Instrumentation only (SQLite lock waits for /metrics), no business flow.
        connection_created.connect(watch_sqlite, dispatch_uid="switchboard_sqlite_lock_timer")
        cache_long_queries()


# psycopg keeps a query's parsed placeholders only for queries under 4,096 characters and
# 50 parameters; the derived-workload reads (a dozen status lists) are over both, and parsing
# them again on every run was 9 % of a busy worker's time on PostgreSQL. The limits are
# module constants read at every call; raised here, those reads are parsed once (an LRU of
# 128 queries, as for the short ones).
PSYCOPG_CACHED_QUERY_CHARS = 32_768
PSYCOPG_CACHED_QUERY_PARAMS = 512


def cache_long_queries() -> None:
    try:
        from psycopg import _queries
    except ImportError:  # SQLite-only installs
        return
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(
        PSYCOPG_CACHED_QUERY_CHARS, getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 0)
    )
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(
        PSYCOPG_CACHED_QUERY_PARAMS, getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 0)
    )
