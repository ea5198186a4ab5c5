"""Logging: an expected refusal is one structured line, and JSON lines on request.

Django logs every 4xx answer on `django.request`, and a refusal that came from an
exception (a page's PermissionDenied or Http404) with that exception's traceback. A 403,
404, 409 or 400 is the application working as designed, so its record keeps one line,
`request_refused status=403 method=GET path=/o/acme/resources/`, and drops the traceback;
a 5xx keeps everything.

With LOG_FORMAT=json, for log shippers: our messages are already structured,
`what_happened key=value key=value`; each line becomes one JSON object with the time,
level, logger, the message, the event (its first word) and the pairs as fields, so a log
store can filter on `job` or `count` directly.
"""

import json
import logging
import re
from datetime import UTC, datetime

PAIR = re.compile(r"""(\w+)=("[^"]*"|'[^']*'|\S+)""")


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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        event = message.split(" ", 1)[0]
        if event.isidentifier() and event.islower():  # ours; not a library's prose
            entry["event"] = event
        for key, value in PAIR.findall(message):
            if key not in entry:
                entry[key] = value.strip("\"'")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
