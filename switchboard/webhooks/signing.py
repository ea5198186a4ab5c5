"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

Every request carries `webhook-id` (the delivery's id, the same on every attempt),
`webhook-timestamp` (seconds since the epoch, of this attempt) and `webhook-signature`:
`v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the secret's
bytes. Secrets are `whsec_` and the base64 of 24 random bytes, as the convention has it, so
that the verifier libraries (`standardwebhooks`, `svix`) accept our requests as they are.
"""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
KEY_BYTES = 24


def secret_new() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }
