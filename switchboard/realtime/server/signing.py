"""The HMAC-SHA256 signatures of the Pusher protocol (PUSHER_PROTOCOL.md §8, §11, §13, §14).

Every comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl


def hmac_hex(secret: str, message: str | bytes) -> str:
    if isinstance(message, str):
        message = message.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def channel_string(socket_id: str, channel: str, channel_data: str | None = None) -> str:
    """What a private (two parts) or presence (three parts) subscription signs."""
    if channel_data is None:
        return f"{socket_id}:{channel}"
    return f"{socket_id}:{channel}:{channel_data}"


def user_string(socket_id: str, user_data: str) -> str:
    return f"{socket_id}::user::{user_data}"


def token(key: str, secret: str, string: str) -> str:
    """The `auth` value a client sends: `key:hex(hmac(secret, string))`."""
    return f"{key}:{hmac_hex(secret, string)}"


def check_token(key: str, secret: str, string: str, auth: object) -> bool:
    if not isinstance(auth, str) or ":" not in auth:
        return False
    given_key, signature = auth.split(":", 1)
    return same(given_key, key) & same(signature, hmac_hex(secret, string))


def api_string(method: str, path: str, query: dict[str, str]) -> str:
    """METHOD\\nPATH\\nsorted lower-cased params, unescaped, without auth_signature."""
    params = sorted(
        (name.lower(), value) for name, value in query.items() if name != "auth_signature"
    )
    joined = "&".join(f"{name}={value}" for name, value in params)
    return f"{method.upper()}\n{path}\n{joined}"


def parse_query(query_string: bytes | str) -> dict[str, str]:
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    return dict(parse_qsl(query_string, keep_blank_values=True))


def body_md5(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def webhook_signature(secret: str, body: bytes) -> str:
    return hmac_hex(secret, body)
