"""The Pusher protocol 7 server: not Django, no database.

`app.py` is the ASGI entry (`get_server()`); the parts it is built from see one another
only through the protocols in `interface.py`. Nothing here imports Django's ORM, a domain
app or the outbox side of `switchboard.realtime` (tests/realtime/server/test_package.py).
"""
