"""The login lock-out holds against a live uvicorn started as `make run` starts it: a
client cannot escape it by writing `X-Forwarded-For`, and behind a configured proxy it
keys on the real client that the proxy names."""

import httpx
import pytest
from django.conf import global_settings

from switchboard.common.proxies import trusted_proxies, uvicorn_proxy_args
from tests.accounts.factories import UserFactory
from tests.realtime.support import LiveApp

PASSWORD = "a long enough password"
LIMIT = 3


@pytest.fixture
def person(transactional_db, settings):
    # Hashed as the live server checks it (the suite's fast hasher is not one it knows).
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user = UserFactory(username="pat")
    user.set_password(PASSWORD)
    user.save()
    return user


def live(**env):
    return LiveApp(env={"AXES_FAILURE_LIMIT": str(LIMIT), **env}).start()


def ask_token(app, password, forwarded_for):
    return httpx.post(
        f"{app.url}/api/auth/token/",
        json={"username": "pat", "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
    ).status_code


def test_rotating_x_forwarded_for_does_not_escape_the_lock_out(person):
    app = live()
    try:
        guesses = [ask_token(app, "wrong", f"198.51.100.{n}") for n in range(1, LIMIT + 3)]
        assert guesses[-1] == 429, (guesses, app.output())
        assert ask_token(app, PASSWORD, "198.51.100.200") == 429
    finally:
        app.cleanup()


def test_behind_a_trusted_proxy_the_lock_out_keys_on_the_real_client(person):
    app = live(TRUSTED_PROXIES="127.0.0.1")
    try:
        guesses = [ask_token(app, "wrong", "203.0.113.7") for _ in range(LIMIT + 1)]
        assert guesses[-1] == 429, (guesses, app.output())
        assert ask_token(app, PASSWORD, "203.0.113.7") == 429
        assert ask_token(app, PASSWORD, "203.0.113.8") == 201  # another client is not locked
    finally:
        app.cleanup()


def test_uvicorn_trusts_forwarded_headers_only_from_configured_proxies():
    assert trusted_proxies({}) == []
    assert uvicorn_proxy_args([]) == ["--no-proxy-headers"]
    configured = trusted_proxies({"TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16"})
    assert uvicorn_proxy_args(configured) == [
        "--proxy-headers",
        "--forwarded-allow-ips",
        "10.0.0.1,10.1.0.0/16",
    ]
