"""`/metrics`: scraped from a live uvicorn in multiprocess mode and parsed as Prometheus
parses it; off without a token, refused with a wrong one."""

import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from switchboard.realtime.models import OutboxEvent
from switchboard.webhooks.services import webhook_endpoint_create
from tests.bookings.factories import book, car_wash
from tests.realtime.server.support import WsClient
from tests.realtime.support import LiveApp, run
from tests.support.wait import wait_until
from tests.webhooks.support import Receiver

TOKEN = "metrics-token-for-tests"


def get(url, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(app) -> dict:
    """{(name, labels as a sorted tuple): value} of every sample."""
    status, text = get(f"{app.url}/metrics", TOKEN)
    assert status == 200, text
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def total(samples, name, **labels):
    """Sum over the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


@pytest.fixture
def live(transactional_db, tmp_path):
    env = {"METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    app = LiveApp(scheduler=True, env=env).start()
    yield app
    app.cleanup()


def test_metrics_are_off_without_a_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_a_wrong_or_missing_token_is_refused(client, db, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 403
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert b"switchboard_outbox_lag_seconds" in response.content


def test_a_live_server_reports_requests_jobs_relay_and_connections(live, org, operator):
    receiver = Receiver()
    webhook_endpoint_create(
        organization=org, acting_user=None, url=receiver.url, events=["booking-updated"]
    )
    assert get(f"{live.url}/health")[0] == 200
    assert get(f"{live.url}/api/orgs/{org.slug}/bookings/")[0] in (401, 403)
    booking = book(org, car_wash(org), operator)
    # The live server leads the scheduler: its relay publishes the booking's events.
    wait_until(lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists())
    wait_until(lambda: receiver.ids())  # and its scheduler sends the webhook
    receiver.close()
    assert booking.pk

    async def with_a_subscriber():
        from django.conf import settings

        ws = await WsClient.open(f"ws://127.0.0.1:{live.port}", key=settings.PUSHER_APP["key"])
        await ws.subscribe("news")
        samples = scrape(live)
        await ws.close()
        return samples

    samples = run(with_a_subscriber())
    assert value(samples, "switchboard_realtime_connections") == 1
    assert value(samples, "switchboard_realtime_channels") == 1
    assert (
        value(
            samples, "switchboard_http_requests_total", method="GET", route="/health", status="200"
        )
        == 1
    )
    bookings_route = total(
        samples, "switchboard_http_requests_total", route="/api/orgs/<slug:org_slug>/bookings/"
    )
    assert bookings_route == 1, sorted(k for k in samples if "http_requests" in k[0])
    assert total(samples, "switchboard_http_request_duration_seconds_count", route="/health") == 1
    assert value(samples, "switchboard_outbox_published_total") >= 1
    assert total(samples, "switchboard_job_runs_total", job="relay_outbox", result="ok") >= 1
    assert total(samples, "switchboard_job_duration_seconds_count", job="relay_outbox") >= 1
    assert total(samples, "switchboard_job_failures_total") == 0
    assert value(samples, "switchboard_outbox_lag_seconds") == 0
    assert value(samples, "switchboard_outbox_pending") == 0
    if live.environment()["DATABASE_URL"].startswith("sqlite"):
        # The leader's lease renewals are write transactions: their waits are timed.
        assert value(samples, "switchboard_sqlite_begin_wait_seconds_count") >= 1
    wait_until(lambda: value(scrape(live), "switchboard_realtime_connections") == 0)
    # Counted once the attempt is recorded, just after the receiver answered.
    delivered = {"kind": "organization", "result": "delivered"}
    wait_until(lambda: value(scrape(live), "switchboard_webhook_attempts_total", **delivered) == 1)
    samples = scrape(live)
    assert value(samples, "switchboard_webhook_queue_depth") == 0
    assert value(samples, "switchboard_webhook_deliveries_failed") == 0
