"""What the slot pages' scripts need to hear `slot-updated` without a login.

Members' pages go live through `static/web/realtime.js` (the base layout's config). The
booking page also listens on the public channel `public-org-{slug}` when the
organisation's public page is on; an anonymous visitor has no realtime config at all, so
the page hands its script the server's key and address here. A public channel needs no
authorisation and carries only what the page shows anyway.
"""

from django.conf import settings

from switchboard.staff.channels import public_channel


def _host_and_port(request) -> tuple[str, int]:
    # The WebSocket server shares the port the page came from.
    host = request.get_host()
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name or not port.isdigit():
        return host, 443 if request.is_secure() else 80
    return name, int(port)


def live_config(request, org, *, public: bool) -> dict:
    host, port = _host_and_port(request)
    return {
        "key": settings.PUSHER_APP["key"],
        "host": host,
        "port": port,
        "tls": request.is_secure(),
        "publicChannel": public_channel(org.slug) if public else None,
    }
