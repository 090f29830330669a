"""The Pinning Service API v1 client against a loopback (127.0.0.1) server written here."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from genoflow.ipfs import CidNotFound, PinError, PinningServiceBackend, cid_of, open_backend

TOKEN = "s3cret-token-value"


@dataclass
class FakeService:
    """In-memory pinning service: each pin reports `queued`/`pinning` for `polls` polls, then `outcome`."""

    polls: int = 2
    outcome: str = "pinned"
    unavailable: int = 0  # answer this many requests with 503 first
    pins: dict[str, dict] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, Authorization)
    content: dict[str, bytes] = field(default_factory=dict)  # what the gateway serves, by CID

    def handle(self, method: str, target: str, auth: str, body: bytes) -> tuple[int, object]:
        self.requests.append((method, target, auth))
        if self.unavailable > 0:
            self.unavailable -= 1
            return 503, {"error": {"reason": "UNAVAILABLE"}}
        url = urlsplit(target)
        if url.path.startswith("/ipfs/"):
            cid = url.path.removeprefix("/ipfs/")
            return (200, self.content[cid]) if cid in self.content else (404, b"not found")
        if auth != f"Bearer {TOKEN}":
            return 401, {"error": {"reason": "UNAUTHORIZED"}}
        if method == "POST" and url.path == "/api/pins":
            request = json.loads(body)
            requestid = uuid.uuid4().hex
            self.pins[requestid] = {"cid": request["cid"], "name": request.get("name"), "left": self.polls}
            return 202, self._status(requestid)
        if method == "GET" and url.path.startswith("/api/pins/"):
            requestid = url.path.removeprefix("/api/pins/")
            if requestid not in self.pins:
                return 404, {"error": {"reason": "NOT_FOUND"}}
            self.pins[requestid]["left"] -= 1
            return 200, self._status(requestid)
        if method == "GET" and url.path == "/api/pins":
            query = parse_qs(url.query)
            wanted = set(query["cid"][0].split(","))
            hits = [r for r in self.pins if self.pins[r]["cid"] in wanted and self._state(r) in query["status"][0].split(",")]
            return 200, {"count": len(hits), "results": [self._status(r) for r in hits]}
        return 400, {"error": {"reason": "BAD_REQUEST", "details": target}}

    def _state(self, requestid: str) -> str:
        left = self.pins[requestid]["left"]
        return "queued" if left > 1 else "pinning" if left > 0 else self.outcome

    def _status(self, requestid: str) -> dict:
        pin = self.pins[requestid]
        return {"requestid": requestid, "status": self._state(requestid), "created": "2026-01-01T00:00:00Z",
                "pin": {"cid": pin["cid"], "name": pin["name"]}, "delegates": [], "info": {"why": "fake"}}


@pytest.fixture
def service(monkeypatch) -> Iterator[tuple[FakeService, str]]:
    fake = FakeService()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload = fake.handle(self.command, self.path, self.headers.get("Authorization", ""), body)
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    monkeypatch.setenv("PIN_TOKEN", TOKEN)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake, base
    server.shutdown()
    server.server_close()


def backend(base: str, **options: object) -> PinningServiceBackend:
    options = {"poll_interval": 0.01, "backoff": 0.01, **options}
    opened = open_backend(f"pinning+{base}/api?token-env=PIN_TOKEN&gateway={base}", **options)
    assert isinstance(opened, PinningServiceBackend)
    return opened


def test_add_pins_by_cid_polls_until_pinned_and_reports_has(service) -> None:
    fake, base = service
    pins = backend(base)
    data = b'{"sample_id": "S1"}'
    assert not pins.has(cid_of(data))
    cid = pins.add(data, filename="S1.report.json")
    assert cid == cid_of(data)
    assert [p["name"] for p in fake.pins.values()] == ["S1.report.json"]
    assert [m for m, path, _ in fake.requests].count("GET") >= fake.polls + 1  # polled, then has()
    assert pins.has(cid)
    assert all(auth == f"Bearer {TOKEN}" for _, path, auth in fake.requests)


def test_failed_pin_is_an_error_with_the_service_url(service) -> None:
    fake, base = service
    fake.outcome = "failed"
    with pytest.raises(PinError, match=rf"pinning\+{base}/api: the service reports failed"):
        backend(base).pin(cid_of(b"x"))


def test_pin_that_never_completes_gives_up_after_pin_timeout(service) -> None:
    fake, base = service
    fake.polls = 10**9
    with pytest.raises(PinError, match=r"still 'queued' after 0.2s"):
        backend(base, pin_timeout=0.2).pin(cid_of(b"x"))


def test_transient_503s_are_retried(service) -> None:
    fake, base = service
    fake.unavailable = 2
    backend(base, attempts=3).pin(cid_of(b"x"))
    assert len(fake.pins) == 1


def test_retries_are_bounded(service) -> None:
    fake, base = service
    fake.unavailable = 10
    with pytest.raises(PinError, match="failed after 2 attempts: HTTP 503"):
        backend(base, attempts=2).pin(cid_of(b"x"))


def test_wrong_token_is_rejected_and_never_shown(service, monkeypatch, caplog) -> None:
    _, base = service
    monkeypatch.setenv("PIN_TOKEN", "wrong-token-value")
    caplog.set_level(logging.DEBUG)
    pins = backend(base)
    with pytest.raises(PinError, match="token rejected") as err:
        pins.pin(cid_of(b"x"))
    shown = str(err.value) + repr(pins) + caplog.text
    assert "wrong-token-value" not in shown and TOKEN not in shown


def test_missing_token_variable_is_named(service, monkeypatch) -> None:
    _, base = service
    monkeypatch.delenv("PIN_TOKEN")
    with pytest.raises(PinError, match="PIN_TOKEN"):
        backend(base)


def test_service_down_names_the_url(service) -> None:
    _, base = service
    down = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(PinError, match=r"pinning\+http://127.0.0.1:9/api failed after 2 attempts: ConnectError"):
        backend(down, attempts=2).pin(cid_of(b"x"))


def test_cat_through_the_gateway_checks_content_against_the_cid(service) -> None:
    fake, base = service
    pins = backend(base)
    good, bad = b"bundle bytes", b"tampered"
    fake.content[cid_of(good)] = good
    assert pins.cat(cid_of(good)) == good
    fake.content[cid_of(b"other")] = bad
    with pytest.raises(PinError, match="does not match the CID"):
        pins.cat(cid_of(b"other"))
    with pytest.raises(CidNotFound, match="HTTP 404"):
        pins.cat(cid_of(b"absent"))
