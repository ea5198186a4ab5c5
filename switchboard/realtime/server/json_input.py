"""The one way the server parses JSON it did not write: bounded in size and in depth.

Python's `json` module recurses once per nesting level, so a frame of 30,000 `[` raises
`RecursionError` instead of `ValueError`, and anything that only expects the latter lets it
through. Both bounds are checked before `json.loads` sees the text: the size first, then
the nesting depth, by a scan that does not recurse.
"""

from __future__ import annotations

import json
import re

# Deeper than any message of the protocol (an envelope holds an object or a string) and
# than any application payload we have seen; far below the interpreter's recursion limit.
MAX_DEPTH = 32

# A JSON string literal (its brackets do not count) or one bracket. An unterminated string
# runs to the end of the text: the text is not JSON then, and the match must not fail and
# be retried from every later quote (that would take quadratic time).
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class MalformedJson(ValueError):
    """The text is not JSON, is too big, or is nested too deep."""


def parse_json(raw: str | bytes, *, max_bytes: int | None, max_depth: int = MAX_DEPTH):
    """The value of `raw`, or MalformedJson. `max_bytes=None` leaves the size unbounded."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode()
        except UnicodeDecodeError:
            raise MalformedJson("not UTF-8") from None
    if max_bytes is not None and over_size(raw, max_bytes):
        raise MalformedJson(f"over {max_bytes} bytes")
    if _too_deep(raw, max_depth):
        raise MalformedJson(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(raw)
    except ValueError:
        raise MalformedJson("not valid JSON") from None


def over_size(text: str, limit: int) -> bool:
    """Whether `text` is over `limit` bytes in UTF-8."""
    # Encoding is needed only when the character count leaves the answer open.
    if len(text) > limit:
        return True
    return len(text) * 4 > limit and len(text.encode()) > limit


def _too_deep(text: str, max_depth: int) -> bool:
    # Cheap answer first: with few brackets the text cannot be deep.
    if text.count("[") + text.count("{") <= max_depth:
        return False
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif token in "]}":
            depth -= 1
    return False
