"""Every route ends with a slash, the other form works, and `docs/api.md` lists the routes.

The matrix walks every route of the URL configuration, with and without its trailing
slash, with every method: nothing answers 500, nothing under `/api/` answers HTML, and a
GET of the other form is redirected to the route.
"""

import re
from pathlib import Path

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api.md"
# Named by seed 004 (`GET /health`), by Prometheus's default scrape path (`/metrics`) and by
# file name (a calendar feed), so no slash.
WITHOUT_SLASH = {"health", "metrics", "feeds/shifts/{x}.ics"}
# HEAD is answered as GET is.
METHODS = ["get", "post", "put", "patch", "delete", "options"]


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _template(route: str) -> str:
    """`api/orgs/<slug:org_slug>/x/(?P<pk>[^/.]+)/$` → `api/orgs/{x}/x/{x}/`."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "{x}", route)
    return re.sub(r"<(?:\w+:)?\w+>", "{x}", route)


def routes() -> list[str]:
    found = {_template(route) for route in _walk(get_resolver().url_patterns)}
    # The admin is Django's own; its catch-all view answers every path below it.
    return sorted(route for route in found if not route.startswith("admin/"))


def _concrete(template: str, org_slug: str) -> str:
    path = template.replace("orgs/{x}/", f"orgs/{org_slug}/").replace("o/{x}/", f"o/{org_slug}/")
    return "/" + path.replace("{x}", "1")


def test_every_route_ends_with_a_slash():
    without = [route for route in routes() if route and not route.endswith("/")]
    assert without == sorted(WITHOUT_SLASH)


def _problem(response, method: str, url: str, route: str, template: str) -> str | None:
    if response.status_code >= 500:
        return "server error"
    json_answer = "json" in response.get("Content-Type", "")
    if url.startswith("/api/") and response.status_code == 404:
        return None if json_answer else "HTML 404 under /api/"
    redirected = response.status_code == 301 and response.get("Location") == route
    if url != route and method == "get" and template not in WITHOUT_SLASH and not redirected:
        return "not redirected to the route"
    return None


@pytest.mark.django_db
def test_no_route_answers_500_with_or_without_its_slash(api, org, owner):
    client = api.as_user(owner)
    failures = []
    for template in routes():
        route = _concrete(template, org.slug)
        other = route[:-1] if route.endswith("/") else route + "/"
        forms = [route] if route == "/" else [route, other]
        for url in forms:
            for method in METHODS:
                response = getattr(client, method)(url)
                problem = _problem(response, method, url, route, template)
                if problem:
                    failures.append((method, url, response.status_code, problem))
                if "logout" in url:
                    client.force_login(owner)
    assert failures == []


@pytest.mark.django_db
def test_a_post_without_its_slash_is_answered_as_with_it(api, org, owner):
    # Issue 13: this answered 500 (Django's APPEND_SLASH RuntimeError) under DEBUG.
    client = api.as_user(owner)
    body = {"name": "Bay 9", "kind": "bay"}
    created = client.post(f"/api/orgs/{org.slug}/resources", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "Bay 9"
    synced = client.post(f"/api/orgs/{org.slug}/sync-sessions/", {}, format="json")
    assert synced.status_code == 200 and synced.json()["success"] is True
    unknown = client.post(f"/api/orgs/{org.slug}/no-such-thing", {}, format="json")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_get_without_its_slash_keeps_its_query(api, org, owner):
    answer = api.as_user(owner).get(f"/api/orgs/{org.slug}/bookings", {"status": "pending"})
    assert answer.status_code == 301
    assert answer["Location"] == f"/api/orgs/{org.slug}/bookings/?status=pending"


def _documented_paths() -> set[str]:
    text = DOCS.read_text()
    paths = re.findall(r"(/api/[^\s`?)|,]*)", text)
    return {re.sub(r"\{[^}]*\}", "{x}", path).lstrip("/") for path in paths}


def test_docs_api_lists_exactly_the_api_routes():
    api_routes = {route for route in routes() if route.startswith("api/")}
    documented = _documented_paths() - {"api/"}
    assert sorted(api_routes - documented) == [], "routes missing from docs/api.md"
    assert sorted(documented - api_routes) == [], "docs/api.md names paths that are no route"
