import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from switchboard.common.clock import now

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


@require_GET
def health(request):
    database = _database_status()
    healthy = database == "ok"
    body = {
        "status": "OK" if healthy else "ERROR",
        "database": database,
        "database_vendor": connection.vendor,
        "time": now().isoformat(),
    }
    return JsonResponse(body, status=200 if healthy else 503)
