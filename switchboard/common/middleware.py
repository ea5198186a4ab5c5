"""Request plumbing: the admin's scope, the other slash form of every route, request metrics.

The admin reads across organisations: it is the deployment operator's tool.

Like pretix's control middleware, the admin's requests run with tenancy scopes disabled;
every other request starts with no scope and enters its organisation's once it knows it.
"""

import time

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.urls import is_valid_path, reverse
from django.utils.encoding import iri_to_uri
from django.utils.http import escape_leading_slashes

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


class OtherSlashFormMiddleware:
    """Every route ends with a slash (`docs/api.md`, "Paths"); the other form still works.

    A path that matches no route but would with its trailing slash added or removed is
    redirected there (GET, HEAD) or answered as if sent there (any other method, whose body
    a redirect would lose). This replaces Django's APPEND_SLASH, which answers a POST
    without its slash with a 500 in DEBUG and a body-dropping redirect otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        urlconf = getattr(request, "urlconf", None)
        # `is_valid_path` answers with the match itself (or False).
        match = is_valid_path(path, urlconf) if path != "/" else False
        if match:
            # Kept for the handler, which would otherwise resolve the same path again.
            request.resolved_path = (path, match)
        elif path != "/":
            other = path[:-1] if path.endswith("/") else path + "/"
            if is_valid_path(other, urlconf):
                if request.method in ("GET", "HEAD"):
                    return HttpResponsePermanentRedirect(_with_query(request, other))
                request.path = _script_prefix(request) + other
                request.path_info = other
        return self.get_response(request)


def _script_prefix(request) -> str:
    return request.path[: len(request.path) - len(request.path_info)]


def _with_query(request, path: str) -> str:
    location = escape_leading_slashes(iri_to_uri(_script_prefix(request) + path))
    query = request.META.get("QUERY_STRING", "")
    return f"{location}?{query}" if query else location


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
