"""`{% realtime_config as config %}`: what the browser module needs to go live on a page."""

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse

from switchboard.realtime.channels import dept_channel, org_channel, presence_channel, staff_channel
from switchboard.realtime.selectors import latest_event_id

register = template.Library()


def page_channels(org, me) -> list[str]:
    """The organisation's channels, plus a staff member's own and department channels."""
    channels = [org_channel(org.slug), presence_channel(org.slug)]
    # `me` is the staff profile a staff member's pages put in their context.
    if me is not None and hasattr(me, "department_id"):
        channels.append(staff_channel(org.slug, me.pk))
        if me.department_id:
            channels.append(dept_channel(org.slug, me.department.slug))
    return channels


def _host_and_port(request) -> tuple[str, int]:
    # The page's own host: the WebSocket server shares the port the page came from.
    host = request.get_host()
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name or not port.isdigit():
        return host, 443 if request.is_secure() else 80
    return name, int(port)


@register.simple_tag(takes_context=True)
def realtime_config(context):
    """None unless the page belongs to an organisation and someone is logged in."""
    request = context.get("request")
    org = context.get("org")
    if org is None or request is None or not request.user.is_authenticated:
        return None
    host, port = _host_and_port(request)
    return {
        "key": settings.PUSHER_APP["key"],
        "host": host,
        "port": port,
        "tls": request.is_secure(),
        "channels": page_channels(org, context.get("me")),
        "after": latest_event_id(org.pk),
        "authEndpoint": reverse("realtime-auth"),
        "userAuthEndpoint": reverse("realtime-user-auth"),
        "eventsEndpoint": reverse("realtime-events"),
        "csrfToken": get_token(request),
        "retentionHours": settings.REALTIME["REPLAY_RETENTION_HOURS"],
    }
