"""`/health` tells strangers only whether things run; the details need a superuser or the
operations token."""

from datetime import timedelta

import pytest
from django.test import Client

from switchboard.common.clock import now
from switchboard.scheduler import services
from tests.accounts.factories import UserFactory

TOKEN = "s3cret-operations-token"
LEADER = "web-2:4242:abc"


@pytest.fixture
def failing_leader(db, settings):
    settings.HEALTH_TOKEN = TOKEN
    services.lease_claim(name="scheduler", holder=LEADER, term=timedelta(seconds=12))
    at = now()
    services.job_state_save(
        job="audit_invariants",
        holder=LEADER,
        next_run_at=at + timedelta(hours=1),
        updated_at=at,
        last_started_at=at,
        last_finished_at=at,
        last_result="error",
        last_counts={},
        last_error="ValueError: /srv/app/secret/path broke",
    )
    return at + timedelta(hours=1)


def test_the_public_answer_is_status_database_and_the_cron_summary(failing_leader):
    response = Client().get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "status": "OK",
        "database": "ok",
        "cronJob": {"isRunning": True, "nextRun": failing_leader.isoformat()},
    }
    assert LEADER not in response.content.decode()
    assert "secret/path" not in response.content.decode()


@pytest.mark.parametrize(
    "authorization", ["", "Bearer wrong", f"Token {TOKEN}", "Bearer ", f"Bearer {TOKEN}x"]
)
def test_a_wrong_or_missing_token_sees_no_details(failing_leader, authorization):
    body = Client().get("/health", headers={"Authorization": authorization}).json()
    assert set(body) == {"status", "database", "cronJob"}


def test_no_token_configured_means_no_token_works(failing_leader, settings):
    settings.HEALTH_TOKEN = ""
    body = Client().get("/health", headers={"Authorization": "Bearer "}).json()
    assert "scheduler" not in body


def test_the_operations_token_sees_the_details(failing_leader):
    body = Client().get("/health", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert body["scheduler"]["leader"] == LEADER
    assert body["scheduler"]["jobs"]["audit_invariants"]["lastError"].startswith("ValueError")
    assert {"realtime", "database_vendor", "time"} <= set(body)


def test_a_superuser_sees_the_details_and_other_users_do_not(failing_leader):
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    assert "scheduler" not in client.get("/health").json()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/health").json()["scheduler"]["leader"] == LEADER
