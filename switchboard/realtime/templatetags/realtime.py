"""`{% realtime_config as config %}`: what the browser module needs to go live on a page."""

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse

from switchboard.realtime.selectors import latest_event_id

register = template.Library()


def _host_and_port(request) -> tuple[str, int]:
    # The page's own host: the WebSocket server shares the port the page came from.
    host = request.get_host()
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name or not port.isdigit():
        return host, 443 if request.is_secure() else 80
    return name, int(port)


@register.simple_tag(takes_context=True)
def realtime_config(context):
    """None unless the page belongs to an organisation, someone is logged in and the view
    named the channels that carry what the page shows (`realtime_channels`)."""
    request = context.get("request")
    org = context.get("org")
    channels = context.get("realtime_channels")
    if org is None or request is None or not request.user.is_authenticated or not channels:
        return None
    host, port = _host_and_port(request)
    return {
        "key": settings.PUSHER_APP["key"],
        "host": host,
        "port": port,
        "tls": request.is_secure(),
        "channels": list(channels),
        "after": latest_event_id(org.pk),
        "authEndpoint": reverse("realtime-auth"),
        "userAuthEndpoint": reverse("realtime-user-auth"),
        "eventsEndpoint": reverse("realtime-events"),
        "csrfToken": get_token(request),
        "retentionHours": settings.REALTIME["REPLAY_RETENTION_HOURS"],
    }
