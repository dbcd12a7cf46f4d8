#!/usr/bin/env python3
"""A webhook receiver for tests and trials: records every POST, checks its Standard Webhooks
signature, and answers as told.

    python3 scripts/webhook_receiver.py [--port 0] [--secret whsec_...]

Prints `PORT n` once listening. Control routes (JSON):
  POST /_control/plan      {"plan": ["500", "200", "429:1", "delay:2", "stall", "400", "410"], "default": "200"}
                           answers the next requests in turn, then `default`. `429:S` sends Retry-After: S,
                           `delay:S` answers 200 after S seconds, `stall` holds the request until released (at most ten minutes).
  POST /_control/release   answers every held request (200), and holds no more.
  GET  /_control/requests  every request: received (epoch s), id, timestamp, valid (signature), status, body.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, headers, body):
    """The Standard Webhooks check: HMAC-SHA256 of `id.timestamp.body` keyed with the base64
    after `whsec_`, compared with each `v1,` signature; the timestamp within five minutes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(sig.split(",", 1)[1], expected)
               for sig in headers.get("webhook-signature", "").split() if sig.startswith("v1,"))


class State:
    lock = threading.Lock()
    plan, default, requests = [], "200", []
    released = threading.Event()
    secret = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"{}", headers=()):
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timed out) first

    def do_GET(self):
        if self.path == "/_control/requests":
            with State.lock:
                self.reply(200, json.dumps(State.requests).encode())
        else:
            self.reply(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_control/plan":
            order = json.loads(body)
            with State.lock:
                State.plan, State.default = list(order.get("plan", [])), order.get("default", "200")
            return self.reply(200)
        if self.path == "/_control/release":
            State.released.set()
            return self.reply(200)
        with State.lock:
            action = State.plan.pop(0) if State.plan else State.default
        record = {"received": time.time(), "id": self.headers.get("webhook-id"),
                  "timestamp": self.headers.get("webhook-timestamp"), "signature": self.headers.get("webhook-signature"),
                  "valid": verify(State.secret, self.headers, body) if State.secret else None,
                  "action": action, "body": json.loads(body)}
        kind, _, argument = action.partition(":")
        with State.lock:
            State.requests.append(record)
        if kind == "delay":
            time.sleep(float(argument))
        elif kind == "stall":
            State.released.wait(600)
        if kind == "429":
            self.reply(429, headers=[("Retry-After", argument or "1")])
        elif kind.isdigit():
            self.reply(int(kind))
        else:
            self.reply(200)


def main():
    parser = argparse.ArgumentParser(description="Records webhook requests and checks their signatures.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret")
    args = parser.parse_args()
    State.secret = args.secret
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    # Ends with the parent: the test closes our stdin (or dies).
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
