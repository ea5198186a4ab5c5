"""What a locked-out login sees (django-axes' AXES_LOCKOUT_CALLABLE).

The login page says how long the lock lasts: AXES_COOLOFF_TIME from the last failed
attempt, and a failed attempt during the lock starts it again. API clients get JSON with
the same figure; every answer carries `Retry-After`.
"""

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def lockout_response(request, original_response=None, credentials=None):
    seconds = int(get_cool_off(request).total_seconds())
    wait = _minutes(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": f"Too many failed login attempts; try again in {wait}.",
                "retry_after_seconds": seconds,
            },
            status=429,
        )
    else:
        context = {"wait": wait, "seconds": seconds}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
