"""The ASGI handler runs the middleware chain and the view synchronously, in one thread
per request (`switchboard/asgi.py` serves it), and answers as Django's own handler does."""

import asyncio
from unittest.mock import patch

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.urls import URLResolver, get_resolver

from switchboard.common.asgi_handler import SyncChainHandler

pytestmark = pytest.mark.django_db(transaction=True)


async def get(handler, url):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    talk = ApplicationCommunicator(handler, scope)
    await talk.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await talk.receive_output(timeout=30)
    body = await talk.receive_output(timeout=30)
    await talk.wait(timeout=30)
    return start["status"], body["body"]


def test_the_chain_is_synchronous():
    assert not asyncio.iscoroutinefunction(SyncChainHandler()._middleware_chain)
    assert asyncio.iscoroutinefunction(ASGIHandler()._middleware_chain)  # Django's own


def test_pages_refusals_and_missing_pages_answer_as_before():
    ours, django = SyncChainHandler(), ASGIHandler()
    for url in ("/api/orgs/nowhere/bookings/", "/no-such-page/"):
        assert asyncio.run(get(ours, url))[0] == asyncio.run(get(django, url))[0]
    assert asyncio.run(get(ours, "/health"))[0] == 200


def test_a_path_is_resolved_once_for_both_slash_forms():
    """The middleware resolves each path to find its other slash form; the handler reuses
    that match instead of resolving the same path again."""
    root = get_resolver()
    resolved = []
    original = URLResolver.resolve

    def counting(self, path):
        if self is root:
            resolved.append(path)
        return original(self, path)

    with patch.object(URLResolver, "resolve", counting):
        assert asyncio.run(get(SyncChainHandler(), "/health"))[0] == 200
        assert resolved == ["/health"]
        resolved.clear()
        # The other form is redirected to, after one look at each form.
        assert asyncio.run(get(SyncChainHandler(), "/health/"))[0] == 301
        assert resolved == ["/health/", "/health"]
