"""JSON columns inserted as plain VALUES (common/fields.py): several rows at once are not
put through UNNEST on PostgreSQL, and what comes back is what went in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.realtime.models import OutboxEvent

pytestmark = pytest.mark.django_db

PAYLOADS = [
    {"plain": 1, "list": [1, "two", None], "nested": {"a": {"b": [True, False]}}},
    {"quotes": 'say "hi"', "backslash": "a\\b", "braces": "{1,2}", "comma": "x,y"},
    {"unicode": "Zürich — ☕", "empty": "", "none": None, "number": 12.5},
    [],
    "a bare string",
]


def test_many_outbox_rows_go_in_as_values_and_come_back_as_they_were(org):
    rows = [
        OutboxEvent(organization=org, channel=f"private-org-{n}", event="e", payload=payload)
        for n, payload in enumerate(PAYLOADS)
    ]
    with CaptureQueriesContext(connection) as queries:
        OutboxEvent.objects.bulk_create(rows)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "UNNEST" not in inserts[0].upper()
    stored = OutboxEvent.objects.filter(channel__startswith="private-org-").order_by("id")
    assert [event.payload for event in stored] == PAYLOADS


def test_the_field_is_django_s_json_field_to_migrations():
    field = OutboxEvent._meta.get_field("payload")
    assert field.deconstruct()[1] == "django.db.models.JSONField"
