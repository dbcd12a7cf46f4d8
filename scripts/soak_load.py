#!/usr/bin/env python3
"""The API load of `make soak` (scripts/soak.sh): a steady, monitoring-client-like request loop.

    soak_load.py --base http://127.0.0.1:PORT --token-file DATA/api-token --counts FILE
                 [--rate 15] [--connections 3] [--reconnect-every 50] [--tenant UUID ...]

Each of --connections workers keeps one HTTP/1.1 keep-alive connection (as Prometheus and most
monitoring agents do) and closes and reopens it every --reconnect-every requests, so the server's
per-connection state is created and torn down throughout the run too. Together they send --rate
requests per second, paced (a slow response delays that worker; it does not cause a burst
afterwards). The mix, per 20 requests:

    4  GET  /metrics                                  (Prometheus scrape)
    3  GET  /api/database-updater/status
    3  GET  /api/database-updater/health
    3  GET  /api/database-updater/metrics
    2  GET  /api/database-updater/logs?count=50
    3  POST /api/database-updater/dry-run/service_tickets     {"tenant": one of --tenant}
    2  POST /api/database-updater/execute/business_records    {"tenant": one of --tenant}

A request is ok when it gets its expected status: 200, or 409 for the POSTs (the same updater is
already running for that tenant: with every-second schedules that happens now and then, and it is
the documented answer). Anything else, a timeout (30 s) or a connection error is failed. Totals
are rewritten (atomically) to --counts every second as `ok failed`, and a per-route, per-status
breakdown to --counts.json; the process runs until SIGTERM/SIGINT.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.parse

API = "/api/database-updater"

# (weight, method, path, body-maker or None, statuses counted as ok)
MIX = [
    (4, "GET", "/metrics", None, {200}),
    (3, "GET", f"{API}/status", None, {200}),
    (3, "GET", f"{API}/health", None, {200}),
    (3, "GET", f"{API}/metrics", None, {200}),
    (2, "GET", f"{API}/logs?count=50", None, {200}),
    (3, "POST", f"{API}/dry-run/service_tickets", "tenant", {200, 409}),
    (2, "POST", f"{API}/execute/business_records", "tenant", {200, 409}),
]


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.failed = 0
        self.by_route = {}  # "GET /path" -> {status-or-error: n}
        self.latency_max = {}  # "GET /path" -> seconds

    def add(self, route, outcome, ok, seconds):
        with self.lock:
            if ok:
                self.ok += 1
            else:
                self.failed += 1
            statuses = self.by_route.setdefault(route, {})
            statuses[str(outcome)] = statuses.get(str(outcome), 0) + 1
            self.latency_max[route] = max(self.latency_max.get(route, 0.0), seconds)

    def write(self, path):
        with self.lock:
            text = f"{self.ok} {self.failed}\n"
            detail = {"ok": self.ok, "failed": self.failed, "byRoute": self.by_route,
                      "maxLatencySeconds": {k: round(v, 4) for k, v in self.latency_max.items()}}
        for target, content in ((path, text), (path + ".json", json.dumps(detail, indent=2, sort_keys=True) + "\n")):
            tmp = target + ".tmp"
            with open(tmp, "w") as f:
                f.write(content)
            os.replace(tmp, target)


def worker(index, args, token, counts, stop):
    url = urllib.parse.urlsplit(args.base)
    host, port = url.hostname, url.port or 80
    rng = random.Random(index)
    plan = [entry for entry in MIX for _ in range(entry[0])]
    rng.shuffle(plan)
    interval = args.connections / args.rate
    # Workers start staggered across one interval so their requests interleave evenly.
    next_at = time.monotonic() + interval * index / args.connections
    conn = None
    sent_on_conn = 0
    for _, method, path, body_kind, expected in itertools.cycle(plan):
        delay = next_at - time.monotonic()
        if delay > 0 and stop.wait(delay):
            break
        if stop.is_set():
            break
        next_at = max(next_at + interval, time.monotonic())
        if conn is None or sent_on_conn >= args.reconnect_every:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            sent_on_conn = 0
        headers = {"Accept": "application/json"}
        body = None
        if method == "POST":
            headers["Authorization"] = f"Bearer {token}"
            headers["Content-Type"] = "application/json"
            if body_kind == "tenant" and args.tenant:
                body = json.dumps({"tenant": rng.choice(args.tenant)})
        route = f"{method} {path.split('?')[0]}"
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            sent_on_conn += 1
            counts.add(route, response.status, response.status in expected, time.monotonic() - started)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as error:
            counts.add(route, type(error).__name__, False, time.monotonic() - started)
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--counts", required=True, help="file rewritten every second with 'ok failed'")
    parser.add_argument("--rate", type=float, default=15.0, help="requests per second, all workers together")
    parser.add_argument("--connections", type=int, default=3)
    parser.add_argument("--reconnect-every", type=int, default=50)
    parser.add_argument("--tenant", action="append", default=[])
    args = parser.parse_args()
    if args.rate <= 0 or args.connections < 1 or args.reconnect_every < 1:
        parser.error("--rate, --connections and --reconnect-every must be positive")

    with open(args.token_file) as f:
        token = f.read().strip()
    counts = Counts()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=worker, args=(i, args, token, counts, stop), daemon=True)
               for i in range(args.connections)]
    for t in threads:
        t.start()
    counts.write(args.counts)
    while not stop.wait(1.0):
        counts.write(args.counts)
    for t in threads:
        t.join(timeout=35)
    counts.write(args.counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
