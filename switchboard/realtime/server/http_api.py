"""The Pusher HTTP API at `/apps/{app_id}/…` (PUSHER_PROTOCOL.md §13).

Every request is signed; the signature is compared in constant time, `body_md5` must match
the body, and `auth_timestamp` must be within ±600 s of our clock (soketi and Reverb skip
that check). Success answers 200 with a JSON object, `{}` at least.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING

from switchboard.common.clock import now
from switchboard.realtime.server import protocol, signing
from switchboard.realtime.server.broker import Message
from switchboard.realtime.server.json_input import MalformedJson, parse_json

if TYPE_CHECKING:
    from switchboard.realtime.server.interface import Host

logger = logging.getLogger(__name__)

ROUTES = [
    ("POST", re.compile(r"^/apps/(?P<app>[^/]+)/events$"), "events"),
    ("POST", re.compile(r"^/apps/(?P<app>[^/]+)/batch_events$"), "batch_events"),
    ("GET", re.compile(r"^/apps/(?P<app>[^/]+)/channels$"), "channels"),
    ("GET", re.compile(r"^/apps/(?P<app>[^/]+)/channels/(?P<channel>[^/]+)$"), "channel"),
    ("GET", re.compile(r"^/apps/(?P<app>[^/]+)/channels/(?P<channel>[^/]+)/users$"), "users"),
    (
        "POST",
        re.compile(r"^/apps/(?P<app>[^/]+)/users/(?P<user>[^/]+)/terminate_connections$"),
        "terminate",
    ),
    # The `pusher` Python library (3.3.x) leaves out /apps/{id} on this one.
    ("POST", re.compile(r"^/users/(?P<user>[^/]+)/terminate_connections$"), "terminate"),
]


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


async def handle(server: Host, scope, receive, send) -> None:
    try:
        body = await _read_body(receive, server.config.max_api_body_bytes)
        status, answer = await _answer(server, scope, body)
    except ApiError as error:
        status, answer = error.status, {"error": error.message, "code": error.status}
    except Exception:
        logger.exception("realtime_api_failed path=%s", scope.get("path"))
        status, answer = 500, {"error": "Internal error.", "code": 500}
    payload = json.dumps(answer, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "The client went away.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"The request body is over {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(server: Host, scope, body: bytes) -> tuple[int, dict]:
    method, path = scope["method"], scope["path"]
    route, match = _route(method, path)
    app = match.groupdict().get("app")
    if app is not None and app != server.config.app_id:
        raise ApiError(404, f"Unknown app '{app[:40]}'.")
    params = signing.parse_query(scope.get("query_string", b""))
    _authenticate(server.config, method, path, params, body)
    handler = HANDLERS[route]
    return 200, await handler(server, match, params, body)


def _route(method: str, path: str):
    allowed = False
    for route_method, pattern, name in ROUTES:
        match = pattern.match(path)
        if match:
            if route_method == method:
                return name, match
            allowed = True
    if allowed:
        raise ApiError(405, f"{method} is not allowed here.")
    raise ApiError(404, "Not found.")


def _authenticate(config, method: str, path: str, params: dict, body: bytes) -> None:
    for name in ("auth_key", "auth_timestamp", "auth_version", "auth_signature"):
        if name not in params:
            raise ApiError(401, f"Missing {name}.")
    if not signing.same(params["auth_key"], config.key):
        raise ApiError(401, "Unknown auth_key.")
    if params["auth_version"] != "1.0":
        raise ApiError(401, "auth_version must be 1.0.")
    try:
        timestamp = int(params["auth_timestamp"])
    except ValueError:
        raise ApiError(401, "auth_timestamp must be a number of seconds.") from None
    server_time = int(now().timestamp())
    if abs(server_time - timestamp) > config.api_timestamp_skew:
        raise ApiError(
            401,
            f"Timestamp expired: Given timestamp ({timestamp}) not within "
            f"{config.api_timestamp_skew}s of server time ({server_time})",
        )
    if (body or "body_md5" in params) and not signing.same(
        params.get("body_md5", ""), signing.body_md5(body)
    ):
        raise ApiError(401, "body_md5 does not match the body.")
    string = signing.api_string(method, path, params)
    expected = signing.hmac_hex(config.secret, string)
    if not signing.same(params["auth_signature"], expected):
        shown = string.replace("\n", "\\n")
        raise ApiError(
            401,
            f'Invalid signature: you should have sent HmacSHA256Hex("{shown}", your_secret_key)'
            f', but you sent "{params["auth_signature"][:80]}"',
        )


# -- publishing ---------------------------------------------------------------------------


def _json_body(body: bytes) -> dict:
    # The body's size was bounded while it was read (`max_api_body_bytes`).
    try:
        parsed = parse_json(body or b"{}", max_bytes=None)
    except MalformedJson as error:
        raise ApiError(400, f"The body is not acceptable JSON: {error}.") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return parsed


def _parse_event(config, item: dict, *, many: bool) -> tuple[list[Message], list[str], list[str]]:
    """(messages, channels, info attributes) of one event of a request."""
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "name is required.")
    if name.startswith("pusher") or len(name) > config.max_event_name:
        raise ApiError(400, f"'{name[:50]}' is not an allowed event name.")
    if "data" not in item:
        raise ApiError(400, "data is required.")
    data = protocol.data_as_string(item["data"])
    if len(data.encode()) > config.max_event_bytes:
        raise ApiError(413, f"data is over {config.max_event_bytes} bytes.")
    channels = _event_channels(config, item, many=many)
    socket_id = item.get("socket_id")
    if socket_id is not None and (
        not isinstance(socket_id, str) or not protocol.SOCKET_ID.match(socket_id)
    ):
        raise ApiError(400, "socket_id must look like 123.456.")
    info = _info_attributes(item.get("info"))
    messages = [
        Message(channel=channel, event=name, data=data, exclude_socket_id=socket_id)
        for channel in channels
    ]
    return messages, channels, info


def _event_channels(config, item: dict, *, many: bool) -> list[str]:
    if many and "channels" in item:
        channels = item["channels"]
        if not isinstance(channels, list) or not channels:
            raise ApiError(400, "channels must be a non-empty list.")
        if len(channels) > config.max_channels_per_event:
            raise ApiError(400, f"At most {config.max_channels_per_event} channels per event.")
    elif "channel" in item:
        channels = [item["channel"]]
    else:
        raise ApiError(400, "channels (or channel) is required.")
    for channel in channels:
        error = protocol.channel_name_error(channel, config.max_channel_name)
        if error:
            raise ApiError(400, f"{error} ({str(channel)[:50]})")
    return list(dict.fromkeys(channels))


def _info_attributes(value) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, str):
        raise ApiError(400, "info must be a comma-separated string.")
    attributes = [part.strip() for part in value.split(",") if part.strip()]
    unknown = set(attributes) - {"user_count", "subscription_count"}
    if unknown:
        raise ApiError(400, f"Unknown info attributes: {', '.join(sorted(unknown))}.")
    return attributes


async def _channel_attributes(server, channel: str, attributes: list[str]) -> dict:
    answer = {}
    presence = protocol.is_presence(channel)
    if "user_count" in attributes and presence:
        answer["user_count"] = await server.state.member_count(channel)
    if "subscription_count" in attributes and not presence:
        answer["subscription_count"] = await server.state.subscription_count(channel)
    return answer


async def _events(server, match, params, body) -> dict:
    item = _json_body(body)
    messages, channels, info = _parse_event(server.config, item, many=True)
    await server.broker.publish(messages)
    if not info:
        return {}
    return {
        "channels": {
            channel: await _channel_attributes(server, channel, info) for channel in channels
        }
    }


async def _batch_events(server, match, params, body) -> dict:
    batch = _json_body(body).get("batch")
    if not isinstance(batch, list) or not batch:
        raise ApiError(400, "batch must be a non-empty list.")
    if len(batch) > server.config.max_batch_events:
        raise ApiError(400, f"At most {server.config.max_batch_events} events per batch.")
    parsed = []
    for item in batch:
        if not isinstance(item, dict):
            raise ApiError(400, "Each batch entry is an object.")
        parsed.append(_parse_event(server.config, item, many=False))
    # Validate every entry before publishing any: a bad batch publishes nothing.
    await server.broker.publish([message for messages, _, _ in parsed for message in messages])
    if not any(info for _, _, info in parsed):
        return {}
    return {
        "batch": [
            await _channel_attributes(server, channels[0], info) for _, channels, info in parsed
        ]
    }


# -- queries ------------------------------------------------------------------------------


async def _channels(server, match, params, body) -> dict:
    prefix = params.get("filter_by_prefix", "")
    attributes = _info_attributes(params.get("info"))
    if "user_count" in attributes and not prefix.startswith("presence-"):
        raise ApiError(400, "info=user_count needs filter_by_prefix=presence-.")
    counts = await server.state.channels()
    answer = {}
    for channel in sorted(counts):
        if channel.startswith(prefix):
            answer[channel] = await _channel_attributes(server, channel, attributes)
    return {"channels": answer}


def _channel_param(server, match) -> str:
    channel = match.group("channel")
    error = protocol.channel_name_error(channel, server.config.max_channel_name)
    if error:
        raise ApiError(400, error)
    return channel


async def _channel(server, match, params, body) -> dict:
    channel = _channel_param(server, match)
    attributes = [part for part in params.get("info", "").split(",") if part]
    unknown = set(attributes) - {"user_count", "subscription_count", "cache"}
    if unknown:
        raise ApiError(400, f"Unknown info attributes: {', '.join(sorted(unknown))}.")
    if "user_count" in attributes and not protocol.is_presence(channel):
        raise ApiError(400, "user_count is only available on presence channels.")
    if "cache" in attributes and not protocol.is_cache(channel):
        raise ApiError(400, "cache is only available on cache channels.")
    count = await server.state.subscription_count(channel)
    answer: dict = {"occupied": count > 0}
    if "user_count" in attributes:
        answer["user_count"] = await server.state.member_count(channel)
    if "subscription_count" in attributes:
        answer["subscription_count"] = count
    if "cache" in attributes:
        cached = await server.state.cache_get(channel)
        answer["cache"] = None if cached is None else {"data": cached[1], "ttl": cached[2]}
    return answer


async def _users(server, match, params, body) -> dict:
    channel = _channel_param(server, match)
    if not protocol.is_presence(channel):
        raise ApiError(400, "Users are only listed for presence channels.")
    members = await server.state.members(channel)
    return {"users": [{"id": user_id} for user_id in members]}


async def _terminate(server, match, params, body) -> dict:
    user_id = match.group("user")
    if not protocol.USER_ID.match(user_id):
        raise ApiError(400, "Invalid user id.")
    await server.broker.publish_control({"kind": "terminate", "user_id": user_id})
    return {}


HANDLERS = {
    "events": _events,
    "batch_events": _batch_events,
    "channels": _channels,
    "channel": _channel,
    "users": _users,
    "terminate": _terminate,
}
