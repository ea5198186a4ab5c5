"""Django's ASGI handler with the middleware chain and the view run in one thread.

Our middleware and views are synchronous. Django's own ASGI handler loads the middleware in
async mode and adapts each boundary, so a request went from the event loop to a thread for
the outer middleware, back to the loop (`async_to_sync`) for the inner handler, and to the
thread again for the view: each hop a hand-over between threads. Under load that plumbing
was a tenth of a worker's time (docs/performance.md). Here the whole chain is Django's
synchronous one, as under WSGI, entered once per request in the request's own thread
(`ThreadSensitiveContext`, as Django does); reading the body, sending the response and the
request signals stay Django's. A path the middleware has resolved already (to find its
other slash form, `OtherSlashFormMiddleware`) is not resolved a second time.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    def resolve_request(self, request):
        kept = getattr(request, "resolved_path", None)
        if kept is None or kept[0] != request.path_info or hasattr(request, "urlconf"):
            return super().resolve_request(request)
        request.resolver_match = kept[1]
        return kept[1]
