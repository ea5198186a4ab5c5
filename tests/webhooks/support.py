"""A webhook receiver on loopback, and a Standard Webhooks verifier written from the
specification (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
independent of `switchboard.webhooks.signing`."""

import base64
import contextlib
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers: dict, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """The receiver's side of the spec: the key is the base64 after `whsec_`; the signed
    content is `{webhook-id}.{webhook-timestamp}.{body}`; the header holds space-separated
    `v1,<base64>` signatures, any of which may match; old timestamps are refused."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest())
    for entry in headers["webhook-signature"].split(" "):
        version, _, sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(sig.encode(), expected):
            return True
    return False


class Receiver:
    """Records every request; `answers` is a list of status codes used in turn (then 200);
    `hold` (an Event), when set by the test, keeps requests waiting until it is released."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.hold: threading.Event | None = None
        self.holding = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                hold = receiver.hold
                if hold is not None:
                    receiver.holding.set()
                    hold.wait(60)
                with receiver._lock:
                    receiver.requests.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                # The sender may be dead by now (the kill test): its socket is gone.
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"nope")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def ids(self) -> list[str]:
        with self._lock:
            return [r["headers"]["webhook-id"] for r in self.requests]

    def bodies(self) -> list[dict]:
        with self._lock:
            return [json.loads(r["body"]) for r in self.requests]

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
