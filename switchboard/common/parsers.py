"""The JSON parser of every API view (DRF's `DEFAULT_PARSER_CLASSES`).

Kept apart from `common.api`, which imports DRF's views: those read the parser setting.
"""

import codecs
import json as stdlib_json

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."


def _nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text, ignoring strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size limit (413) and a nesting limit (400), both checked
    before `json` recurses: a body of 50,000 `[` would otherwise end in RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError("JSON parse error - the body is not valid text.") from exc
        max_depth = settings.API_MAX_JSON_DEPTH
        cheap_bound = text.count("[") + text.count("{")
        if cheap_bound > max_depth and _nesting_depth(text) > max_depth:
            raise ParseError(f"JSON parse error - nested deeper than {max_depth} levels.")
        try:
            # DRF's loads refuses NaN and Infinity, as its own parser does.
            return json.loads(text) if self.strict else stdlib_json.loads(text)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
