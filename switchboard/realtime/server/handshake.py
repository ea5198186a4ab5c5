"""Whether a WebSocket at `/app/{key}?protocol=…` may connect (PUSHER_PROTOCOL.md §1, §5)."""

from __future__ import annotations

from urllib.parse import parse_qs

from switchboard.realtime.server import protocol
from switchboard.realtime.server.config import RealtimeConfig
from switchboard.realtime.server.signing import same


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
    if not version.isdigit():
        return protocol.INVALID_VERSION, "Invalid version string format."
    if not 5 <= int(version) <= 7:
        return protocol.UNSUPPORTED_PROTOCOL, "Unsupported protocol version."
    return None
