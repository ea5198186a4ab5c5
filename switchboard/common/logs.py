"""Logging filters: an expected refusal is one structured line, not a traceback.

Django logs every 4xx answer on `django.request`, and a refusal that came from an
exception (a page's PermissionDenied or Http404) with that exception's traceback. A 403,
404, 409 or 400 is the application working as designed, so its record keeps one line,
`request_refused status=403 method=GET path=/o/acme/resources/`, and drops the traceback;
a 5xx keeps everything.
"""

import logging


class ExpectedRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or status >= 500:
            return True
        request = getattr(record, "request", None)
        record.msg = "request_refused status=%s method=%s path=%s"
        record.args = (
            status,
            getattr(request, "method", "-"),
            getattr(request, "path", "-"),
        )
        record.exc_info = record.exc_text = record.stack_info = None
        return True
