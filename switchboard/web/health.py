import logging

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


@require_GET
def health(request):
    database = _database_status()
    healthy = database == "ok"
    body = {
        "status": "OK" if healthy else "ERROR",
        "database": database,
        "database_vendor": connection.vendor,
        "time": now().isoformat(),
        "scheduler": _scheduler_status(healthy),
        # This process's WebSocket server: connections are per process, not cluster-wide.
        "realtime": realtime_stats(),
    }
    return JsonResponse(body, status=200 if healthy else 503)
