"""Which peers may tell us the client's address (`X-Forwarded-For`, `Forwarded`).

uvicorn rewrites the client address from forwarded headers sent by the peers it trusts,
127.0.0.1 by default; then anyone on the host could pick a new address per request and
escape the login lock-out. We trust only `TRUSTED_PROXIES` (empty by default: no one), and
Django (axes included) reads the address uvicorn settled on.

`python -m switchboard.common.proxies` prints the uvicorn options for the current
environment; the Makefile and the tests that start uvicorn use it.
"""

import os


def trusted_proxies(environ=None) -> list[str]:
    """`TRUSTED_PROXIES`: comma-separated addresses or networks of our reverse proxies."""
    value = (environ if environ is not None else os.environ).get("TRUSTED_PROXIES", "")
    return [item.strip() for item in value.split(",") if item.strip()]


def uvicorn_proxy_args(trusted: list[str]) -> list[str]:
    if not trusted:
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", ",".join(trusted)]


def client_ip(request) -> str | None:
    """The client address for the lock-out: the peer, as the server resolved it from
    trusted proxies only (never a header read here, which any client can write)."""
    return request.META.get("REMOTE_ADDR")


if __name__ == "__main__":
    print(" ".join(uvicorn_proxy_args(trusted_proxies())))
