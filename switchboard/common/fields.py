"""Model fields of our own."""

from django.db import models


class RowJSONField(models.JSONField):
    """A JSON column that Django inserts as plain VALUES, never through UNNEST.

    Django 5.2 inserts several rows at once on PostgreSQL as UNNEST of one array per
    column, and psycopg dumps an array of JSON in Python, escaping every element with a
    regular expression. For the outbox's rows that costs about twice the plain insert, from
    2 rows (1.0 against 0.5 ms of CPU) to 200 (31 against 20 ms; docs/performance.md,
    "Round nine"). Django leaves a field with a placeholder of its own out of UNNEST; this
    one's placeholder is the plain one.
    """

    def get_placeholder(self, value, compiler, connection):
        return "%s"

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        # The very column of Django's JSONField: migrations have nothing to alter.
        return name, "django.db.models.JSONField", args, kwargs
