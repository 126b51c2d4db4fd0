"""Stripe on loopback for the tests.

``localstripe`` (in its own virtualenv, .venv/localstripe, made by `make install-dev`) answers for
customers, payment intents and refunds. What it lacks — Checkout sessions and the billing
portal — is answered by ``CheckoutServer``, which records every request the official library
sends (form fields and idempotency keys) and passes everything else on to localstripe.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support import ROOT, free_port

LOCALSTRIPE_PYTHON = ROOT / ".venv" / "localstripe" / "bin" / "python"
START = """
import sys
from aiohttp import web
from localstripe import resources
from localstripe.server import app
resources.Store.dump_to_disk = lambda self: None  # fresh state, nothing shared through /tmp
resources.store.clear()
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def ensure_localstripe() -> Path:
    if not LOCALSTRIPE_PYTHON.exists():
        subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "venv", str(LOCALSTRIPE_PYTHON.parent.parent)], check=True)
        subprocess.run([str(LOCALSTRIPE_PYTHON), "-m", "pip", "install", "--quiet", "localstripe==1.15.10"], check=True)
    return LOCALSTRIPE_PYTHON


class LocalStripe:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> LocalStripe:
        python = ensure_localstripe()
        self.process = subprocess.Popen([str(python), "-c", START, str(self.port)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with OPENER.open(f"{self.url}/v1/customers", timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers (401 without a key)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("localstripe did not start")

    def reset(self) -> None:
        OPENER.open(urllib.request.Request(f"{self.url}/_config/data", method="DELETE"), timeout=5).read()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


class CheckoutServer:
    """Answers /v1/checkout/sessions and /v1/billing_portal/sessions as Stripe does; the rest goes to localstripe."""

    def __init__(self, localstripe: LocalStripe):
        self.localstripe = localstripe
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sessions: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> CheckoutServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.sessions.clear()
            self.by_key.clear()
            self.requests.clear()

    # what tests do to a session, as a customer would on Stripe's page
    def complete(self, session_id: str, *, payment_intent: str | None, subscription: str | None = None) -> dict:
        with self.lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid", payment_intent=payment_intent,
                           subscription=subscription)
            return dict(session)

    def session(self, session_id: str) -> dict:
        with self.lock:
            return dict(self.sessions[session_id])

    def created(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/v1/checkout/sessions" and r["method"] == "POST"]

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _json(self, status: int, data: dict) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Request-Id", "req_test")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._dispatch("GET", b"")

            def do_POST(self):
                self._dispatch("POST", self._body())

            def do_DELETE(self):
                self._dispatch("DELETE", self._body())

            def _dispatch(self, method: str, body: bytes) -> None:
                path = urllib.parse.urlsplit(self.path).path
                form = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
                record = {"method": method, "path": path, "form": form,
                          "idempotency_key": self.headers.get("Idempotency-Key"),
                          "authorization": self.headers.get("Authorization")}
                with outer.lock:
                    outer.requests.append(record)
                if path.startswith("/checkout/"):
                    page = b"<!doctype html><html lang='en'><title>Checkout (test)</title><h1>Checkout (test)</h1></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                if path == "/v1/checkout/sessions" and method == "POST":
                    return self._json(200, outer._create_session(form, record["idempotency_key"]))
                if path.startswith("/v1/checkout/sessions/"):
                    parts = path.split("/")
                    with outer.lock:
                        session = outer.sessions.get(parts[4])
                        if session is None:
                            return self._json(404, {"error": {"type": "invalid_request_error", "message": "No such session"}})
                        if len(parts) > 5 and parts[5] == "expire" and method == "POST":
                            if session["status"] != "open":
                                return self._json(400, {"error": {"type": "invalid_request_error",
                                                                  "message": "Session is not open"}})
                            session["status"] = "expired"
                        return self._json(200, dict(session))
                if path == "/v1/billing_portal/sessions" and method == "POST":
                    return self._json(200, {"id": "bps_test", "object": "billing_portal.session",
                                            "customer": form.get("customer"), "url": f"{outer.url}/portal/{form.get('customer')}"})
                self._proxy(method, body)

            def _proxy(self, method: str, body: bytes) -> None:
                request = urllib.request.Request(outer.localstripe.url + self.path, data=body or None, method=method)
                for header in ("Authorization", "Content-Type", "Idempotency-Key", "Stripe-Version"):
                    if self.headers.get(header):
                        request.add_header(header, self.headers[header])
                try:
                    with OPENER.open(request, timeout=30) as response:
                        status, data = response.status, response.read()
                except urllib.error.HTTPError as err:
                    status, data = err.code, err.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _create_session(self, form: dict, key: str | None) -> dict:
        with self.lock:
            if key and key in self.by_key:
                return dict(self.sessions[self.by_key[key]])
            session_id = f"cs_test_{len(self.sessions) + 1:04d}{os.urandom(4).hex()}"
            session = {
                "id": session_id, "object": "checkout.session", "url": f"{self.url}/checkout/{session_id}",
                "status": "open", "payment_status": "unpaid", "mode": form.get("mode"),
                "amount_total": int(form.get("line_items[0][price_data][unit_amount]") or 0),
                "currency": form.get("line_items[0][price_data][currency]"),
                "customer": form.get("customer"), "client_reference_id": form.get("client_reference_id"),
                "metadata": {"payment_id": form.get("metadata[payment_id]")},
                "expires_at": int(form.get("expires_at") or 0), "payment_intent": None, "subscription": None,
                "success_url": form.get("success_url"), "cancel_url": form.get("cancel_url"),
            }
            self.sessions[session_id] = session
            if key:
                self.by_key[key] = session_id
            return dict(session)
