"""JSON log lines (LOG_FORMAT=json) for log shippers.

Our messages are already structured, `what_happened key=value key=value`; each line
becomes one JSON object with the time, level, logger, the message, the event (its first
word) and the pairs as fields, so a log store can filter on `job` or `count` directly.
"""

import json
import logging
import re
from datetime import UTC, datetime

PAIR = re.compile(r"""(\w+)=("[^"]*"|'[^']*'|\S+)""")


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
