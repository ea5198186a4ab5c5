from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CommonConfig(AppConfig):
    name = "switchboard.common"
    label = "common"

    def ready(self):
        from switchboard.common.sqlite_metrics import watch_sqlite

        # Instrumentation only (SQLite lock waits for /metrics), no business flow.
        connection_created.connect(watch_sqlite, dispatch_uid="switchboard_sqlite_lock_timer")
