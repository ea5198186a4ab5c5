"""The test vectors of PUSHER_PROTOCOL.md §16, and agreement with the `pusher` library."""

import json
import time

import pusher

from switchboard.realtime.server import signing
from tests.realtime.server.support import KEY, SECRET

SOCKET = "1234.1234"


def test_private_channel_vector():
    string = signing.channel_string(SOCKET, "private-foobar")
    assert string == "1234.1234:private-foobar"
    assert (
        signing.hmac_hex(SECRET, string)
        == "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
    )


def test_user_signin_vector():
    string = signing.user_string(SOCKET, '{"id":"12345"}')
    assert (
        signing.hmac_hex(SECRET, string)
        == "4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba"
    )


def test_presence_channel_vector():
    channel_data = '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'
    string = signing.channel_string(SOCKET, "presence-foobar", channel_data)
    assert (
        signing.hmac_hex(SECRET, string)
        == "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
    )


def test_rest_api_vector():
    body = b'{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}'
    assert signing.body_md5(body) == "ec365a775a4cd0599faeb73354201b6f"
    query = {
        "auth_key": KEY,
        "auth_timestamp": "1353088179",
        "auth_version": "1.0",
        "body_md5": "ec365a775a4cd0599faeb73354201b6f",
        "auth_signature": "ignored when signing",
    }
    string = signing.api_string("POST", "/apps/3/events", query)
    assert string == (
        "POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179"
        "&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f"
    )
    assert (
        signing.hmac_hex(SECRET, string)
        == "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
    )


def test_tokens_agree_with_the_pusher_library():
    client = pusher.Pusher(app_id="3", key=KEY, secret=SECRET)
    private = client.authenticate(channel="private-foobar", socket_id=SOCKET)
    assert signing.check_token(KEY, SECRET, "1234.1234:private-foobar", private["auth"])

    presence = client.authenticate(
        channel="presence-foobar", socket_id=SOCKET, custom_data={"user_id": "7"}
    )
    string = signing.channel_string(SOCKET, "presence-foobar", presence["channel_data"])
    assert signing.check_token(KEY, SECRET, string, presence["auth"])

    user = client.authenticate_user(socket_id=SOCKET, user_data={"id": "12345"})
    assert signing.check_token(
        KEY, SECRET, signing.user_string(SOCKET, user["user_data"]), user["auth"]
    )


def test_a_token_with_another_key_or_signature_is_refused():
    string = "1234.1234:private-foobar"
    good = signing.token(KEY, SECRET, string)
    assert signing.check_token(KEY, SECRET, string, good)
    assert not signing.check_token(KEY, SECRET, string, good.replace(KEY, "other-key"))
    assert not signing.check_token(KEY, SECRET, string, good[:-1] + "0")
    assert not signing.check_token(KEY, SECRET, "1234.1234:private-other", good)
    for junk in (None, "", "no-colon", 42, json.dumps({"auth": good})):
        assert not signing.check_token(KEY, SECRET, string, junk)


def test_webhook_signature_is_what_the_library_validates():
    body = json.dumps({"time_ms": 0, "events": []}).encode()
    signature = signing.webhook_signature(SECRET, body)
    client = pusher.Pusher(app_id="3", key=KEY, secret=SECRET)
    # validate_webhook also checks that time_ms is fresh.
    fresh = json.dumps({"time_ms": int(time.time() * 1000), "events": []})
    assert client.validate_webhook(
        key=KEY, signature=signing.webhook_signature(SECRET, fresh.encode()), body=fresh
    ) == {"time_ms": json.loads(fresh)["time_ms"], "events": []}
    assert client.validate_webhook(key=KEY, signature=signature[::-1], body=body.decode()) is None
