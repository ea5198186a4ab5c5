"""`GET /health`: a short public answer, and the details for operators.

Anyone may learn whether the service and its database are up and whether the job runner
runs (seed 004's `cronJob`). The leader's host and process, each job's summary and error
text and the real-time figures help an attacker as much as an operator, so they need a
logged-in superuser or `Authorization: Bearer <HEALTH_TOKEN>`.
"""

import hmac
import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from switchboard.common.clock import now
from switchboard.realtime.server.app import stats as realtime_stats
from switchboard.scheduler.selectors import scheduler_status

logger = logging.getLogger(__name__)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is not usable
        logger.warning("health_database_failed error=%s", exc)
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _scheduler_status(database_ok: bool) -> dict:
    # Read from the database (lease row, job summaries), so every process answers the same.
    if not database_ok:
        return {"isRunning": False, "leader": None, "jobs": {}, "error": "database unavailable"}
    try:
        return scheduler_status()
    except Exception as exc:  # a missing table or a driver error must not break /health
        logger.warning("health_scheduler_failed error=%s", exc)
        return {"isRunning": False, "leader": None, "jobs": {}, "error": exc.__class__.__name__}


def cron_summary(scheduler: dict) -> dict:
    """Seed 004's `cronJob`: whether jobs run, and the soonest planned run."""
    planned = [job["nextRun"] for job in scheduler.get("jobs", {}).values() if job["nextRun"]]
    return {"isRunning": scheduler["isRunning"], "nextRun": min(planned, default=None)}


def may_see_details(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    token = settings.HEALTH_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@require_GET
def health(request):
    database = _database_status()
    healthy = database == "ok"
    scheduler = _scheduler_status(healthy)
    body = {
        "status": "OK" if healthy else "ERROR",
        "database": database if healthy else "error",
        "cronJob": cron_summary(scheduler),
    }
    if may_see_details(request):
        body |= {
            "database": database,
            "database_vendor": connection.vendor,
            "time": now().isoformat(),
            "scheduler": scheduler,
            # This process's WebSocket server: per process, not cluster-wide.
            "realtime": realtime_stats(),
        }
    return JsonResponse(body, status=200 if healthy else 503)
