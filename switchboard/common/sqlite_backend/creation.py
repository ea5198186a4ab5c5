"""Test databases: a file deleted and made again must not be reached through a connection
kept from before (`pool.py`), so the pool is emptied whenever one is made or destroyed."""

from django.db.backends.sqlite3 import creation

from switchboard.common.sqlite_backend.pool import POOL


class DatabaseCreation(creation.DatabaseCreation):
    def _create_test_db(self, *args, **kwargs):
        POOL.close_all()
        return super()._create_test_db(*args, **kwargs)

    def _destroy_test_db(self, *args, **kwargs):
        POOL.close_all()
        return super()._destroy_test_db(*args, **kwargs)
