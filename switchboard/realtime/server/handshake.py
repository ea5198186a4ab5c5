"""Whether a WebSocket at `/app/{key}?protocol=…` may connect (PUSHER_PROTOCOL.md §1, §5)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from switchboard.realtime.server import protocol
from switchboard.realtime.server.config import RealtimeConfig
from switchboard.realtime.server.signing import same

# ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() then refuses
# or reads as a number the client never wrote.
_VERSION = re.compile(r"[0-9]+")
SUPPORTED_VERSIONS = range(5, 8)


def refusal(
    key: str, query_string: bytes, config: RealtimeConfig, *, accepting: bool, connections: int
) -> tuple[int, str] | None:
    """(close code, message) when the connection is refused, else None."""
    if not accepting:
        return protocol.RECONNECT, "The server is restarting."
    if not same(key, config.key):
        return protocol.APP_NOT_FOUND, "Application does not exist."
    version = parse_qs(query_string.decode("latin-1")).get("protocol")
    if version:
        refused = _version_refusal(version[0])
        if refused is not None:
            return refused
    if connections >= config.max_connections:
        return protocol.OVER_CAPACITY, "Over capacity."
    return None


def _version_refusal(version: str) -> tuple[int, str] | None:
    if not _VERSION.fullmatch(version):
        return protocol.INVALID_VERSION, "Invalid version string format."
    # A long run of digits is no supported version, and int() would refuse a huge one.
    if len(version) > 3 or int(version) not in SUPPORTED_VERSIONS:
        return protocol.UNSUPPORTED_PROTOCOL, "Unsupported protocol version."
    return None
