#!/usr/bin/env python3
"""Issue 17: the live streams under traffic (`bench/run.py --only streams [--quick]`, `make bench-streams`).

Traffic: the release `updater start --config FILE` on a SQLite file, only `serviceTickets` enabled,
at `@every 1s` for N tenants, so N executions fall due each second (N = 1,000 and 10,000: the
offered rates). Each execution commits one ticket, one change-log entry, one event.

Clients: 10 SSE clients on `GET /api/database-updater/events` (no `after`: live from the log's
end), each its own Python process reading a raw socket, so that one slow parser does not delay the
others. Per event: receive time (`time.time()` when `recv` returned the bytes) minus the event's
`timestamp` (commit time, ms resolution). Both clocks are this machine's.

Rounds alternate a window without clients and a window with the 10 attached; executions/s in each
window comes from the service's `updater_executions_total` (outcome succeeded) read at its edges.
Medians over the rounds. No third-party packages.
"""
import base64
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENTS = 10
TOKEN = "bench-streams-token-0123456789abcdef"
PATH = "/api/database-updater/events"
EVENT = re.compile(rb'\nid: (\d+)\ndata: \{[^\n]*?"timestamp":(\d+\.\d+)')


# --- one client (run as its own process) ------------------------------------------------------

EXTERNAL = re.compile(rb'\nevent: external\ndata: \{[^\n]*?"timestamp":(\d+\.\d+)')


def client(port, start, end, external=False):
    """Reads the stream until `end` (epoch seconds); prints one JSON line: latencies (ms) and counts of
    the events received in [start, end]. `external`: the events posted to `POST /events` (no `id:`)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            raise SystemExit("the stream closed before its headers")
        buffer += data
    head, buffer = buffer.split(b"\r\n\r\n", 1)
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise SystemExit(f"stream refused: {head[:200]!r}")
    buffer = b"\n" + buffer
    latencies, first_id, last_id, count, gaps, dropped = [], None, None, 0, 0, 0
    sock.settimeout(0.5)
    while True:
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            data = None
        now = time.time()
        if now >= end:
            break
        if data is None:
            continue
        if not data:
            break
        buffer += data
        cut = buffer.rfind(b"\n\n")
        if cut < 0:
            continue
        complete, buffer = buffer[:cut + 2], buffer[cut + 1:]  # keep a "\n" so the next event's "\nid:" matches
        if now < start:
            continue
        gaps += complete.count(b"\nevent: gap\n")
        dropped += complete.count(b"\nevent: dropped\n")
        if external:
            for stamp in EXTERNAL.findall(complete):
                latencies.append((now - float(stamp)) * 1000.0)
                count += 1
            continue
        for seq, stamp in EVENT.findall(complete):
            latencies.append((now - float(stamp)) * 1000.0)
            seq = int(seq)
            first_id = seq if first_id is None else first_id
            last_id = seq
            count += 1
    sock.close()
    print(json.dumps({"latencies_ms": latencies, "events": count, "first": first_id, "last": last_id, "gaps": gaps, "dropped": dropped}))


# --- the service ------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path, workdir, port, tenants, webhook=None):
    """`tenants` = 0: no traffic of its own (scheduling off), for the events posted to it."""
    lines = [f"database: sqlite:{workdir}/streams.sqlite", f"dataDirectory: {workdir}/data", f"logDirectory: {workdir}/logs",
             "logLevel: warn", "misfirePolicy: skip", "api:", f"  port: {port}", "streams:", "  maxClients: 100",
             "scheduleConfig:", '  serviceTickets: "@every 1s"',
             "executionConfig:", "  enabledUpdaters:", "    serviceTickets: true", "    businessActivities: false",
             "    newLeads: false"]
    if tenants == 0:
        lines += ["enableScheduling: false", "tenants:", '  - id: "00000000-0000-4000-8000-000000000000"', '    customerId: "cust-0"']
        tenants = -1
    if webhook:
        lines += ["webhooks:", f"  - url: {webhook}", "    batchSize: 50", "    intervalMs: 100", f"    secret: {WEBHOOK_SECRET}"]
    if tenants > 0:
        lines.append("tenants:")
    for i in range(max(tenants, 0)):
        lines += [f'  - id: "00000000-0000-4000-8000-{i:012d}"', f'    customerId: "cust-{i}"']
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def executions(port):
    """Successful executions so far (the sum of updater_executions_total over tenants)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("updater_executions_total{") and 'outcome="succeeded"' in line)


class Service:
    def __init__(self, updater, workdir, tenants, webhook=None):
        self.workdir = os.path.join(workdir, f"streams-{tenants or 'ingest'}" + ("-webhook" if webhook else ""))
        os.makedirs(self.workdir, exist_ok=True)
        self.port = free_port()
        config = os.path.join(self.workdir, "config.yaml")
        write_config(config, self.workdir, self.port, tenants, webhook)
        self.log = open(os.path.join(self.workdir, "service.out"), "w")
        self.process = subprocess.Popen([updater, "start", "--config", config], cwd=self.workdir,
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        env=dict(os.environ, DATABASE_UPDATER_API_TOKEN=TOKEN))
        deadline = time.time() + 120
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"updater start exited {self.process.returncode}: see {self.log.name}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/database-updater/health", timeout=5)
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("the service did not answer /health within 120 s")
                time.sleep(0.5)

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else None


def clients_round(results, window):
    """One round of the 10 clients' results: latency percentiles and events/s, in total and per client."""
    latencies = [x for r in results for x in r["latencies_ms"]]
    per_client = [r["events"] / window for r in results]
    return {"p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
            "max_ms": round(max(latencies), 2) if latencies else None,
            "events_per_s_total": round(sum(per_client), 1),
            "events_per_s_per_client_min": round(min(per_client), 1),
            "events_per_s_per_client_max": round(max(per_client), 1)}


def clients_medians(per_round):
    """The medians over the rounds of what ``clients_round`` measured."""
    median = lambda key: statistics.median(r[key] for r in per_round)
    return {"p50_ms": median("p50_ms"), "p99_ms": median("p99_ms"), "events_per_s_total": median("events_per_s_total"),
            "events_per_s_per_client_min": median("events_per_s_per_client_min")}


def streams_rows(updater, workdir, quick, rounds):
    window = 5.0 if quick else 10.0
    rows = []
    for tenants in [1000, 10000]:
        service = Service(updater, workdir, tenants)
        try:
            # The first fires, the pool and the page cache; each tenant's first execution costs more (its rows
            # are new), so 10,000 tenants take tens of seconds before the rate settles.
            time.sleep((5.0 if tenants <= 1000 else 30.0) * (1 if quick else 2))
            without, with_clients, per_round = [], [], []
            for round_number in range(1, rounds + 1):
                before = executions(service.port)
                t0 = time.time()
                time.sleep(window)
                after = executions(service.port)
                without.append((after - before) / (time.time() - t0))
                # Clients connect, then measure from a common start 1 s later, for one window.
                start = time.time() + 1.0
                end = start + window
                procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "client", str(service.port), str(start), str(end)],
                                          stdout=subprocess.PIPE, text=True) for _ in range(CLIENTS)]
                time.sleep(max(0.0, start - time.time()))
                before, t0 = executions(service.port), time.time()
                time.sleep(max(0.0, end - time.time()))
                after, t1 = executions(service.port), time.time()
                with_clients.append((after - before) / (t1 - t0))
                results = []
                for p in procs:
                    out, _ = p.communicate(timeout=60)
                    if p.returncode != 0:
                        raise SystemExit(f"an SSE client failed ({p.returncode})")
                    results.append(json.loads(out.strip().splitlines()[-1]))
                missing = sum((r["last"] - r["first"] + 1 - r["events"]) if r["first"] is not None else 0 for r in results)
                per_round.append({
                    **clients_round(results, window),
                    "gaps": sum(r["gaps"] for r in results), "missing": missing,
                    "executions_per_s_without": round(without[-1], 1), "executions_per_s_with": round(with_clients[-1], 1)})
                print(f"streams {tenants}/s round {round_number}: {per_round[-1]}", flush=True)
        finally:
            service.stop()
        ew, ec = statistics.median(without), statistics.median(with_clients)
        row = {"name": f"streams_sse_{tenants // 1000}k",
               "what": f"10 SSE clients on a SQLite target, traffic {tenants:,} tenants x serviceTickets @every 1s "
                       f"(offered {tenants:,} executions/s, one event each); {window:.0f}-s windows, medians of {rounds} rounds",
               "offered_per_s": tenants,
               **clients_medians(per_round),
               "executions_per_s_without_clients": round(ew, 1), "executions_per_s_with_clients": round(ec, 1),
               "executions_ratio": round(ec / ew, 3) if ew else None,
               "gaps": sum(r["gaps"] for r in per_round), "missing": sum(r["missing"] for r in per_round),
               "rounds": per_round}
        row["goal"] = ">= 50,000 events/s fanned out to 10 clients, p99 <= 100 ms, executions with clients >= 0.95x without"
        row["met"] = {"fan_out_50k": row["events_per_s_total"] >= 50000, "p99_100ms": row["p99_ms"] <= 100,
                      "executions_0_95": (row["executions_ratio"] or 0) >= 0.95}
        rows.append(row)
    return rows


# --- one webhook receiver ----------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"bench-streams-webhook-secret-32b").decode()


class Receiver:
    """A threaded HTTP receiver in this process: answers 200 at once and records, per event, the
    receive time minus its commit `timestamp`; checks that every request is signed and at most 50 events."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []  # (receive time, latency ms, seq)
        self.requests = self.unsigned = self.oversized = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.time()
                events = json.loads(body).get("events", [])
                signed = all(self.headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
                with receiver.lock:
                    receiver.requests += 1
                    receiver.unsigned += 0 if signed else 1
                    receiver.oversized += 1 if len(events) > 50 else 0
                    for event in events:
                        if "seq" in event and "timestamp" in event:
                            receiver.received.append((now, (now - float(event["timestamp"])) * 1000.0, event["seq"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def between(self, start, end):
        with self.lock:
            return [r for r in self.received if start <= r[0] < end]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def webhook_rows(updater, workdir, quick, rounds):
    """One receiver on a service of its own, at the same two offered rates: events/s delivered,
    commit-to-receiver latency, executions/s while it delivers. Batches of <= 50, every 100 ms."""
    window = 5.0 if quick else 10.0
    rows = []
    for tenants in [1000, 10000]:
        receiver = Receiver()
        service = Service(updater, workdir, tenants, webhook=receiver.url)
        try:
            time.sleep((5.0 if tenants <= 1000 else 30.0) * (1 if quick else 2))
            per_round = []
            for round_number in range(1, rounds + 1):
                before, t0 = executions(service.port), time.time()
                time.sleep(window)
                after, t1 = executions(service.port), time.time()
                # What the window's commits became at the receiver: wait for the stragglers.
                time.sleep(2.0)
                got = receiver.between(t0, t1)
                latencies = [r[1] for r in got]
                per_round.append({
                    "p50_ms": round(percentile(latencies, 50), 2) if got else None,
                    "p99_ms": round(percentile(latencies, 99), 2) if got else None,
                    "max_ms": round(max(latencies), 2) if got else None,
                    "events_per_s": round(len(got) / (t1 - t0), 1),
                    "executions_per_s": round((after - before) / (t1 - t0), 1)})
                print(f"webhook {tenants}/s round {round_number}: {per_round[-1]}", flush=True)
        finally:
            service.stop()
            receiver.close()
        seqs = [r[2] for r in receiver.received]
        median = lambda key: statistics.median(r[key] for r in per_round)
        row = {"name": f"streams_webhook_{tenants // 1000}k",
               "what": f"one webhook receiver (batchSize 50, intervalMs 100, signed) on a SQLite target, traffic {tenants:,} "
                       f"tenants x serviceTickets @every 1s; {window:.0f}-s windows, medians of {rounds} rounds",
               "offered_per_s": tenants,
               "p50_ms": median("p50_ms"), "p99_ms": median("p99_ms"), "events_per_s": median("events_per_s"),
               "executions_per_s": median("executions_per_s"),
               "requests": receiver.requests, "unsigned_requests": receiver.unsigned, "batches_over_50": receiver.oversized,
               "duplicates": len(seqs) - len(set(seqs)),
               "out_of_order": sum(1 for a, b in zip(seqs, seqs[1:]) if b < a),
               "rounds": per_round}
        rows.append(row)
    return rows


# --- the streams' own capacity: events posted to the service -----------------------------------

def poster(port, rate, end):
    """Posts `rate` events/s to `POST /events` until `end`, in batches of rate/50 every 20 ms, each
    event stamped with the time its batch is sent; prints how many it posted."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    batch, posted, tick = max(1, rate // 50), 0, time.time()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    while tick < end:
        now = time.time()
        events = [{"operation": "update", "table": "bench_rows", "key": str(posted + i), "timestamp": round(now, 3)}
                  for i in range(batch)]
        connection.request("POST", "/api/database-updater/events", json.dumps({"events": events}), headers)
        response = connection.getresponse()
        response.read()
        if response.status != 202:
            raise SystemExit(f"POST /events answered {response.status}")
        posted += batch
        tick += 0.02
        time.sleep(max(0.0, tick - time.time()))
    print(json.dumps({"posted": posted}))


def ingest_rows(updater, workdir, quick, rounds):
    """10 SSE clients on a service without traffic of its own, fed by one poster at 5,000 and 10,000
    events/s: what the streams fan out when the source is not the bound."""
    window = 5.0 if quick else 10.0
    rows = []
    service = Service(updater, workdir, 0)
    try:
        for rate in [5000, 10000]:
            per_round = []
            for round_number in range(1, rounds + 1):
                start = time.time() + 1.0
                end = start + window
                procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "external-client", str(service.port), str(start), str(end)],
                                          stdout=subprocess.PIPE, text=True) for _ in range(CLIENTS)]
                time.sleep(0.5)  # the clients are connected before the first post
                post = subprocess.Popen([sys.executable, os.path.abspath(__file__), "poster", str(service.port), str(rate), str(end)],
                                        stdout=subprocess.PIPE, text=True)
                results = []
                for p in procs + [post]:
                    out, _ = p.communicate(timeout=120)
                    if p.returncode != 0:
                        raise SystemExit(f"a client or the poster failed ({p.returncode})")
                    results.append(json.loads(out.strip().splitlines()[-1]))
                posted = results.pop()["posted"]
                per_round.append({
                    **clients_round(results, window),
                    "posted_per_s": round(posted / (end - start + 0.5), 1),
                    "dropped_markers": sum(r["dropped"] for r in results)})
                print(f"ingest {rate}/s round {round_number}: {per_round[-1]}", flush=True)
            row = {"name": f"streams_sse_ingest_{rate // 1000}k",
                   "what": f"10 SSE clients on a service without traffic of its own, one program posting {rate:,} events/s to "
                           f"POST /events (batches every 20 ms); {window:.0f}-s windows, medians of {rounds} rounds",
                   "offered_per_s": rate,
                   **clients_medians(per_round),
                   "dropped_markers": sum(r["dropped_markers"] for r in per_round),
                   "rounds": per_round}
            row["goal"] = ">= 50,000 events/s fanned out to 10 clients, p99 <= 100 ms"
            row["met"] = {"fan_out_50k": row["events_per_s_total"] >= 50000, "p99_100ms": row["p99_ms"] <= 100}
            rows.append(row)
    finally:
        service.stop()
    return rows


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "client":
    client(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]))
if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "external-client":
    client(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), external=True)
if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "poster":
    poster(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
