"""The admin reads across organisations: it is the deployment operator's tool.

Like pretix's control middleware, the admin's requests run with tenancy scopes disabled;
every other request starts with no scope and enters its organisation's once it knows it.
"""

import time

from django.conf import settings
from django.urls import reverse

from switchboard.common import metrics
from switchboard.common.tenancy import cross_org


class AdminAcrossOrganizationsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")):
            with cross_org():
                return self.get_response(request)
        return self.get_response(request)


class RequestMetricsMiddleware:
    """Counts and times every request by its URL pattern (not its path: ids would make a
    series per booking) and status. First in the list, so it times everything below."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = request_route(request)
        metrics.HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        metrics.HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


def request_route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route.replace("^", "").replace("$", "")
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"
