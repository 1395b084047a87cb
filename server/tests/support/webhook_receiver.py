"""A form-webhook receiver for the webhook tests (server/tests/common/webhook_receiver.rs starts
it): a small HTTP server on 127.0.0.1 that
checks every delivery's signature with Standard Webhooks' official Python library
(PyPI `standardwebhooks`), records it, and answers as the test tells it to.

    python webhook_receiver.py SECRET      prints its port on the first line, then serves

POST /hook      a delivery: verified, recorded, answered by the mode
POST /mode      the body sets the mode: ok (200), slow (200 after 1.5 s), fail (500), hang (no
                answer for 3 s, then 503), redirect (307 to /elsewhere, which records a
                "followed" entry if reached)
GET  /received  every request received so far, as JSON, oldest first
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HOOK = Webhook(sys.argv[1])
LOCK = threading.Lock()
STATE = {"mode": "ok", "received": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with LOCK:
            body = json.dumps(STATE["received"]).encode()
        self.reply(200, body)

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/mode":
            with LOCK:
                STATE["mode"] = data.decode()
            return self.reply(204)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            HOOK.verify(data, headers)
            verified, error = True, None
        except WebhookVerificationError as e:
            verified, error = False, str(e)
        with LOCK:
            mode = "followed" if self.path != "/hook" else STATE["mode"]
            STATE["received"].append({
                "path": self.path,
                "id": headers.get("webhook-id"),
                "timestamp": headers.get("webhook-timestamp"),
                "verified": verified,
                "error": error,
                "body": data.decode("utf-8", "replace"),
                "mode": mode,
                "at": time.time(),
            })
        if mode == "hang":
            time.sleep(3)
            try:
                return self.reply(503)
            except (BrokenPipeError, ConnectionResetError):
                return None  # belco-panel gave up waiting, as it should

        if mode == "slow":
            time.sleep(1.5)
        if mode == "fail":
            return self.reply(500, b'{"error":"down for maintenance"}')
        if mode == "redirect":
            return self.reply(307, headers=[("location", "/elsewhere")])
        self.reply(200, b"{}")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
