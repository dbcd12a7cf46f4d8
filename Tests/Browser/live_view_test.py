#!/usr/bin/env python3
"""The live view (GET /, issue 18) in a real browser: headless Debian chromium driven by Selenium.

Starts the debug binary (`updater start --config …`) in a temporary folder on a SQLite file, with the
API on a free port (never the default 5000) and a known token (DATABASE_UPDATER_API_TOKEN), traffic
from `serviceTickets` every second for the built-in tenants, and asserts:

  1. the page loads with no console errors (SEVERE entries of the browser log);
  2. an execution posted through the API moves the table counter and the orb / lit-orb counts;
  3. a reconnect resumes with no gap and no duplicate: `debug.disconnect()` while executions go on,
     then the service restarted on the same port; `seenSequences()` is strictly consecutive and
     equals the change log's sequence numbers over the same range;
  4. replay plays back the last minutes (played reaches total > 0);
  5. controls refuse a wrong token (dialog → refusal shown, token forgotten, nothing executed) and
     ask again, then act with the right one;
  6. the page works behind a path prefix (a reverse proxy here serves the service under /updater/).

A screenshot goes to .build/test-output/live-view.png. Run with scripts/browser-tests.sh.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("UPDATER_BIN", os.path.join(ROOT, ".build", "debug", "updater"))
OUTPUT = os.path.join(ROOT, ".build", "test-output")
TOKEN = secrets.token_hex(16)
API = "/api/database-updater/"
UPDATER = "service_tickets"
TABLE = "service_tickets"


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 5000:
            return port


def wait_for(what, predicate, timeout=30.0, interval=0.2):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def step(text):
    print(f"-- {text}", flush=True)


# --- the service --------------------------------------------------------------------------------

class UpdaterService:
    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.config = os.path.join(workdir, "config.yaml")
        with open(self.config, "w") as f:
            f.write("\n".join([
                f"database: sqlite:{workdir}/live.sqlite", f"dataDirectory: {workdir}/data", f"logDirectory: {workdir}/logs",
                "logLevel: warn", "misfirePolicy: skip", "api:", f"  port: {self.port}",
                "scheduleConfig:", '  serviceTickets: "* * * * * *"',
                "executionConfig:", "  enabledUpdaters:", "    serviceTickets: true", "    businessActivities: false", "    newLeads: false",
            ]) + "\n")
        self.process = None
        self.runs = 0

    def start(self):
        self.runs += 1
        out = open(os.path.join(self.workdir, f"service-{self.runs}.out"), "w")
        env = dict(os.environ, DATABASE_UPDATER_API_TOKEN=TOKEN)
        self.process = subprocess.Popen([BINARY, "start", "--config", self.config], cwd=self.workdir, env=env,
                                        stdout=out, stderr=subprocess.STDOUT)
        out.close()

        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"updater start exited {self.process.returncode}: see {out.name}")
            try:
                return self.get("status").get("databaseHealth", {}).get("reachable", False)
            except (OSError, ValueError):
                return False
        wait_for("the service to answer with its database reachable", ready, timeout=120, interval=0.3)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def request(self, method, path, token=TOKEN):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{API}{path}", method=method,
                                         headers={"Authorization": f"Bearer {token}"} if token else {})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def get(self, path):
        return self.request("GET", path)

    def execute(self):
        return self.request("POST", f"execute/{UPDATER}")

    def manual_executions(self):
        return sum(1 for r in self.get("executions?count=500") if r.get("trigger") == "manual")

    def log_sequences(self, first, last):
        """The change log's seqs in [first, last], read over SSE with after=first-1."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", f"{API}events?after={first - 1}", headers={"Authorization": f"Bearer {TOKEN}"})
        response = connection.getresponse()
        assert response.status == 200, response.status
        seqs, buffer = [], b""
        while not seqs or seqs[-1] < last:
            chunk = response.read1(65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if line.startswith(b"id: "):
                    seqs.append(int(line[4:]))
        connection.close()
        return [s for s in seqs if s <= last]


# --- a reverse proxy serving the service under /updater/ -----------------------------------------

class PrefixProxy:
    """http://127.0.0.1:PORT/updater/… → the service's /…, streaming responses (SSE) through."""

    HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization"}

    def __init__(self, upstream_port):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.forward(self)

            def do_POST(self):
                proxy.forward(self)

        self.upstream_port = upstream_port
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def forward(self, handler):
        if handler.path == "/updater":
            handler.send_response(301)
            handler.send_header("Location", "/updater/")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if not handler.path.startswith("/updater/"):
            handler.send_error(404)
            return
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0") or 0))
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in self.HOP and k.lower() != "host"}
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            upstream.request(handler.command, handler.path[len("/updater"):], body=body or None, headers=headers)
            response = upstream.getresponse()
        except OSError:
            handler.send_error(502)
            return
        handler.send_response(response.status)
        length = response.getheader("Content-Length")
        for name, value in response.getheaders():
            if name.lower() not in self.HOP:
                handler.send_header(name, value)
        if length is None:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        try:
            while True:
                chunk = response.read1(65536)
                if not chunk:
                    break
                handler.wfile.write(chunk)
                handler.wfile.flush()
        except OSError:
            pass
        finally:
            upstream.close()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- the browser --------------------------------------------------------------------------------

def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1200"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=DriverService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def stats(driver):
    return driver.execute_script("return window.updaterView.stats()")


def severe(driver, network_too=True, levels=("SEVERE",)):
    """The SEVERE (or `levels`) browser log entries since the last call (network failures left out unless asked)."""
    entries = [e for e in driver.get_log("browser") if e.get("level") in levels]
    return entries if network_too else [e for e in entries if e.get("source") != "network"]


def load(driver, url):
    driver.get(url)
    wait_for("window.updaterView", lambda: driver.execute_script("return !!window.updaterView"), timeout=15)
    wait_for("the stream to be live", lambda: stats(driver)["connection"] == "live", timeout=30)


def wait_for_execution_to_show(driver, service):
    before = stats(driver)
    record = service.execute()
    assert record["outcome"] == "succeeded", record
    tables = {r["table"] for r in record["rows"]}
    assert tables, f"the execution wrote no rows: {record}"

    def moved():
        now = stats(driver)
        counters = any(now["tables"].get(t, 0) > before["tables"].get(t, 0) for t in tables)
        return now if counters and now["orbs"] > before["orbs"] and now["litOrbs"] > 0 else None
    after = wait_for("the execution's rows on the counters and the sphere", moved, timeout=15, interval=0.1)
    return before, after


# --- the tests ----------------------------------------------------------------------------------

def run(service, driver, workdir):
    base = f"http://127.0.0.1:{service.port}/"

    step("1. the page loads with no console errors or warnings")
    load(driver, base)

    def first_polls():  # status drawn, and executions (the Errors panel's too: drawn with them)
        status_rows = driver.find_element(By.ID, "updater-status").find_elements(By.CSS_SELECTOR, f'tr[data-updater="{UPDATER}"]')
        return bool(status_rows) and len(driver.find_elements(By.CSS_SELECTOR, "#errors tr")) >= 2
    wait_for("the first status and executions polls", first_polls, timeout=15)
    errors = severe(driver, levels=("SEVERE", "WARNING"))
    assert not errors, f"console errors or warnings on load: {errors}"
    assert driver.find_element(By.ID, "updater-status").find_elements(By.CSS_SELECTOR, f'tr[data-updater="{UPDATER}"]'), \
        "the status panel has no row for the updater"

    step("2. an execution through the API shows on the counters and the sphere")
    before, after = wait_for_execution_to_show(driver, service)
    print(f"   tables {before['tables']} -> {after['tables']}; orbs {before['orbs']} -> {after['orbs']}, lit {after['litOrbs']}")
    # The filters apply at once, to the counters too: the table unticked, its counter reads 0.
    table_box = driver.find_element(By.CSS_SELECTOR, f'#filter-tables input[value="{TABLE}"]')
    table_box.click()
    wait_for("the table filter to empty the counter", lambda: stats(driver)["tables"].get(TABLE, 1) == 0, timeout=5, interval=0.1)
    table_box.click()
    wait_for("the counter back", lambda: stats(driver)["tables"].get(TABLE, 0) > 0, timeout=5, interval=0.1)

    step("3. reconnects resume without a gap or duplicate (disconnect, then a service restart)")
    wait_for("events from the schedule", lambda: len(driver.execute_script("return window.updaterView.seenSequences()")) >= 3, timeout=20)
    connections = stats(driver)["connections"]
    for n in range(1, 3):
        service.execute()
        driver.execute_script("window.updaterView.debug.disconnect()")
        service.execute()
        # Reconnected before the next disconnect: one during the 0.5-s back-off would be a no-op.
        wait_for(f"reconnection {n}", lambda: stats(driver)["connections"] >= connections + n, timeout=20, interval=0.1)
    wait_for("the stream live again", lambda: stats(driver)["connection"] == "live", timeout=20)
    service.stop()
    wait_for("the page to see the service gone", lambda: stats(driver)["connection"] in ("reconnecting", "connecting"), timeout=20)
    time.sleep(1.0)
    service.start()
    for _ in range(3):
        service.execute()
    last_posted = service.get("status")  # the service answers: the page reconnects within its 5-s backoff
    assert last_posted
    wait_for("the stream live again", lambda: stats(driver)["connection"] == "live", timeout=30)
    time.sleep(2.0)
    seqs = driver.execute_script("return window.updaterView.seenSequences()")
    assert seqs, "no sequence numbers seen"
    duplicates = len(seqs) - len(set(seqs))
    assert duplicates == 0, f"{duplicates} duplicate sequence numbers"
    holes = [(a, b) for a, b in zip(seqs, seqs[1:]) if b != a + 1]
    assert not holes, f"not consecutive at {holes[:5]}"
    log = service.log_sequences(seqs[0], seqs[-1])
    assert log == seqs, f"the page's seqs differ from the log's: page {len(seqs)} ({seqs[0]}…{seqs[-1]}), log {len(log)}"
    s = stats(driver)
    assert s["gaps"] == 0, s
    print(f"   {len(seqs)} events {seqs[0]}…{seqs[-1]}, {s['connections']} connections, equal to the log")
    javascript_errors = severe(driver, network_too=False)
    assert not javascript_errors, f"console errors: {javascript_errors}"

    step("4. replay plays back the last minutes")
    Select(driver.find_element(By.ID, "replay-speed")).select_by_value("10")
    driver.find_element(By.ID, "btn-replay").click()
    wait_for("replay to start", lambda: stats(driver)["replay"]["active"], timeout=10, interval=0.05)

    def replayed():
        r = stats(driver)["replay"]
        return r if not r["active"] and r["total"] > 0 and r["played"] == r["total"] else None
    r = wait_for("replay to play everything", replayed, timeout=120, interval=0.5)
    assert r["speed"] == 10, r
    print(f"   replayed {r['played']} of {r['total']} at {r['speed']}x; {driver.find_element(By.ID, 'replay-status').text}")

    step("screenshot")
    service.execute()
    time.sleep(0.5)
    os.makedirs(OUTPUT, exist_ok=True)
    driver.save_screenshot(os.path.join(OUTPUT, "live-view.png"))

    step("5. controls refuse a wrong token and ask again")
    manual_before = service.manual_executions()
    Select(driver.find_element(By.ID, "control-updater")).select_by_value(UPDATER)
    driver.find_element(By.ID, "btn-execute").click()
    dialog = driver.find_element(By.ID, "token-dialog")
    wait_for("the token dialog", lambda: dialog.get_attribute("open") is not None, timeout=5)
    driver.find_element(By.ID, "token-input").send_keys("not-the-token")
    driver.find_element(By.ID, "token-ok").click()
    box = driver.find_element(By.ID, "control-message")
    wait_for("the refusal", lambda: "error" in box.get_attribute("class") and "Refused" in box.text, timeout=10)
    print(f"   shown: {box.text}")
    assert driver.execute_script("return sessionStorage.getItem('updater.apiToken')") is None, "the refused token was kept"
    time.sleep(0.5)
    assert service.manual_executions() == manual_before, "an execution ran with a wrong token"
    driver.find_element(By.ID, "btn-execute").click()
    wait_for("the dialog again", lambda: dialog.get_attribute("open") is not None, timeout=5)
    driver.find_element(By.ID, "token-input").send_keys(TOKEN)
    driver.find_element(By.ID, "token-ok").click()
    wait_for("the execution's result", lambda: "ok" in box.get_attribute("class") and "succeeded" in box.text, timeout=30)
    assert service.manual_executions() == manual_before + 1, "the execute button did not execute once"
    print(f"   with the token: {box.text}")

    step("6. behind a reverse proxy's path prefix")
    proxy = PrefixProxy(service.port)
    try:
        severe(driver)  # forget the entries of the earlier steps (the 403 above)
        load(driver, f"http://127.0.0.1:{proxy.port}/updater/")
        time.sleep(1.5)
        errors = severe(driver)
        assert not errors, f"console errors on load behind the proxy: {errors}"
        wait_for("the status panel behind the proxy",
                 lambda: driver.find_element(By.ID, "updater-status").find_elements(By.CSS_SELECTOR, f'tr[data-updater="{UPDATER}"]'), timeout=10)
        before, after = wait_for_execution_to_show(driver, service)
        print(f"   through /updater/: orbs {before['orbs']} -> {after['orbs']}, tables {after['tables']}")
        driver.execute_script("window.updaterView.debug.disconnect()")
        wait_for("live again behind the proxy", lambda: stats(driver)["connection"] == "live" and stats(driver)["connections"] >= 2, timeout=20)
        seqs = driver.execute_script("return window.updaterView.seenSequences()")
        assert len(seqs) == len(set(seqs)) and all(b == a + 1 for a, b in zip(seqs, seqs[1:])), "gap or duplicate behind the proxy"
    finally:
        proxy.close()
    javascript_errors = severe(driver, network_too=False)
    assert not javascript_errors, f"console errors: {javascript_errors}"


def main():
    if not os.access(BINARY, os.X_OK):
        print(f"live view test: {BINARY} is missing (swift build first)", file=sys.stderr)
        return 1
    workdir = tempfile.mkdtemp(prefix="updater-live-view.")
    service = UpdaterService(workdir)
    driver = None
    status = 1
    try:
        service.start()
        driver = browser()
        run(service, driver, workdir)
        status = 0
        print("live view test: passed")
    except Exception:
        traceback.print_exc()
        if driver is not None:
            try:
                os.makedirs(OUTPUT, exist_ok=True)
                driver.save_screenshot(os.path.join(OUTPUT, "live-view-failure.png"))
                print("browser log:", json.dumps(driver.get_log("browser"), indent=1)[:4000], file=sys.stderr)
            except Exception:
                pass
        for name in sorted(os.listdir(workdir)):
            if name.startswith("service-"):
                with open(os.path.join(workdir, name)) as f:
                    print(f"--- {name} (tail)\n" + "".join(f.readlines()[-20:]), file=sys.stderr)
        print("live view test: FAILED", file=sys.stderr)
    finally:
        if driver is not None:
            driver.quit()
        service.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
