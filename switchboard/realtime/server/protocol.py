"""Pusher protocol 7 vocabulary: channel kinds, frames, close codes, socket ids."""

from __future__ import annotations

import json
import re
import secrets

# Close codes (PUSHER_PROTOCOL.md §5). 40xx: do not reconnect; 41xx: back off; 42xx: now.
APP_NOT_FOUND = 4001
UNSUPPORTED_PROTOCOL = 4007
INVALID_VERSION = 4006
UNAUTHORIZED = 4009
OVER_CAPACITY = 4100
RECONNECT = 4200
PONG_NOT_RECEIVED = 4201
# Sent inside `pusher:error` only, never as a close code.
CLIENT_EVENT_RATE = 4301
# A client event the server does not take (soketi's and Reverb's code for "client events
# are not enabled"): here, one on a channel other than a presence channel.
CLIENT_EVENT_REFUSED = 4301
WATCHLIST_LIMIT = 4302
MESSAGE_TOO_BIG = 1009

CHANNEL_NAME = re.compile(r"^[-a-zA-Z0-9_=@,.;]+$")
USER_CHANNEL_PREFIX = "#server-to-user-"
USER_ID = re.compile(r"^[-a-zA-Z0-9_=@,.;]+$")
SOCKET_ID = re.compile(r"^\d+\.\d+$")

# The process half of every socket id this process hands out: ids stay unique across
# processes without coordination, while the other half comes from the CSPRNG per socket.
NODE_NUMBER = secrets.randbelow(10**9) + 1


def new_socket_id() -> str:
    return f"{NODE_NUMBER}.{secrets.randbelow(10**12)}"


def is_presence(channel: str) -> bool:
    return channel.startswith("presence-")


def is_private(channel: str) -> bool:
    """Needs a signature: private (including encrypted) and presence channels."""
    return channel.startswith(("private-", "presence-"))


def is_encrypted(channel: str) -> bool:
    return channel.startswith("private-encrypted-")


def is_cache(channel: str) -> bool:
    return channel.startswith(
        ("cache-", "private-cache-", "private-encrypted-cache-", "presence-cache-")
    )


def is_user_channel(channel: str) -> bool:
    return channel.startswith(USER_CHANNEL_PREFIX)


def accepts_client_events(channel: str) -> bool:
    """Only presence channels: there every event carries the sender's authorised user_id."""
    return is_presence(channel)


def channel_name_error(channel: object, max_length: int) -> str | None:
    """Why `channel` is not a valid name, or None."""
    if not isinstance(channel, str) or not channel:
        return "The channel name is missing."
    if len(channel) > max_length:
        return f"The channel name is longer than {max_length} characters."
    if is_user_channel(channel):
        rest = channel[len(USER_CHANNEL_PREFIX) :]
        return None if rest and USER_ID.match(rest) else "Invalid user channel name."
    if not CHANNEL_NAME.match(channel):
        return "The channel name may contain only A-Z a-z 0-9 _ - = @ , . ;"
    return None


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def frame(event: str, data=None, channel: str | None = None, user_id: str | None = None) -> str:
    """One server-to-client frame. `data` is sent as given (callers pass a string)."""
    body: dict = {"event": event}
    if channel is not None:
        body["channel"] = channel
    if data is not None:
        body["data"] = data
    if user_id is not None:
        body["user_id"] = user_id
    return dumps(body)


def error_frame(message: str, code: int | None = None) -> str:
    # The one event whose data is an object (PUSHER_PROTOCOL.md §2).
    return frame("pusher:error", {"code": code, "message": message})


def subscription_error_frame(channel: str, kind: str, error: str, status: int) -> str:
    return frame(
        "pusher:subscription_error",
        {"type": kind, "error": error, "status": status},
        channel=channel,
    )


def established_frame(socket_id: str, activity_timeout: int) -> str:
    return frame(
        "pusher:connection_established",
        dumps({"socket_id": socket_id, "activity_timeout": activity_timeout}),
    )


def data_as_string(data) -> str:
    """Client events may carry an object or a JSON string; clients receive a string."""
    return data if isinstance(data, str) else dumps(data)
