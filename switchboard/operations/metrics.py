"""`GET /metrics`: the Prometheus text format, for a scraper holding METRICS_TOKEN.

No token configured: 404, as if there were no such page. A wrong or missing token: 403.
Series recorded by the processes themselves (`common.metrics`) come from this process, or,
with PROMETHEUS_MULTIPROC_DIR set, from every process that wrote there. Series that are
facts of the database (outbox lag) are read at scrape time, so any worker answers the same.
"""

import hmac
import logging
import os
from glob import glob

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from switchboard.common.clock import now
from switchboard.common.tenancy import cross_org
from switchboard.realtime.models import OutboxEvent
from switchboard.webhooks.selectors import failed_count, queue_depth

logger = logging.getLogger(__name__)

# Collectors of database facts; other apps may add theirs (`database_collectors.append`).
database_collectors = []


class OutboxCollector:
    def collect(self):
        pending = OutboxEvent.objects.filter(published_at__isnull=True)
        oldest = pending.order_by("id").values_list("created_at", flat=True).first()
        lag = max(0.0, (now() - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily(
            "switchboard_outbox_lag_seconds",
            "Age of the oldest outbox event not yet published (0 when none waits).",
            value=lag,
        )
        yield GaugeMetricFamily(
            "switchboard_outbox_pending", "Outbox events not yet published.", value=pending.count()
        )


class WebhookCollector:
    def collect(self):
        with cross_org():
            depth, failed = queue_depth(), failed_count()
        yield GaugeMetricFamily(
            "switchboard_webhook_queue_depth",
            "Organisation webhook deliveries still to send (of endpoints switched on).",
            value=depth,
        )
        yield GaugeMetricFamily(
            "switchboard_webhook_deliveries_failed",
            "Organisation webhook deliveries given up (their endpoint failed all its window).",
            value=failed,
        )


database_collectors.extend([OutboxCollector(), WebhookCollector()])


def exposition() -> bytes:
    """The text of every series: this process's (or all processes'), then the database's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        forget_dead_processes(directory)
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    for collector in database_collectors:
        database.register(collector)
    return generate_latest(processes) + generate_latest(database)


def forget_dead_processes(directory: str) -> None:
    """Drop the live gauges (connections, channels) of workers that died without saying so
    (`kill -9`, a crash); their counters stay, as Prometheus expects of counters."""
    for path in glob(os.path.join(directory, "gauge_live*_*.db")):
        pid = int(path.rsplit("_", 1)[1].removesuffix(".db"))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except PermissionError:  # alive, someone else's
            pass


def token_matches(request) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), settings.METRICS_TOKEN.encode())


@require_GET
def metrics(request):
    if not settings.METRICS_TOKEN:
        raise Http404("metrics are off")
    if not token_matches(request):
        logger.info("metrics_refused reason=token")
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
