"""`kubo+http://` backend: a small httpx client for the Kubo RPC API (`/api/v0`), POST only.

Why not `ipfshttpclient`: its last release (0.7.0, 2021) is unmaintained and raises `VersionMismatch`
for every daemon >= 0.8, i.e. every Kubo of the last years; it cannot talk to a current node. The few
RPC calls needed here (`add`, `pin/add`, `pin/ls`, `cat`, `dag/import`, `version`) are plain HTTP POSTs.

Every request has a client timeout, and commands that may wait on the network (`cat`, `pin/add`) also
send the RPC `timeout=` so the node gives up by itself: a missing CID raises `CidNotFound` instead of
hanging. Transient failures (node down, HTTP 429/502/503/504) are retried with bounded backoff, then
raise `PinError` naming the node URL. CIDs are requested and returned as base32 CIDv1 (js-ipfs
answers base58btc unless asked) and every `add` is checked against the locally computed `cid_of`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from .base import CidNotFound, PinError, checked_cid
from .http import RetryPolicy, request_with_retries
from .unixfs import CHUNK_SIZE, cid_of, normalise_cid

_ADD_PARAMS = {
    "cid-version": "1",
    "raw-leaves": "true",
    "hash": "sha2-256",
    "chunker": f"size-{CHUNK_SIZE}",
    "cid-base": "base32",
    "pin": "true",
}


class KuboBackend:
    """Pins through a Kubo-compatible RPC API at `api_url` (e.g. http://127.0.0.1:5001)."""

    name = "kubo"

    def __init__(
        self,
        api_url: str,
        *,
        timeout: float = 30.0,
        pin_timeout: float = 120.0,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.url = f"kubo+{self.api_url}"
        self.pin_timeout = pin_timeout
        self.retry = retry
        self._client = httpx.Client(base_url=f"{self.api_url}/api/v0", timeout=httpx.Timeout(timeout, connect=5.0))

    def close(self) -> None:
        self._client.close()

    def version(self) -> dict[str, Any]:
        """The node's `/api/v0/version` answer (js-ipfs 0.66.1 reports {"Version": "0.18.1", ...}, its ipfs-core version)."""
        return self._post_json("version", "version")

    def add(self, data: bytes, *, filename: str | None = None) -> str:
        files = {"file": (filename or "blob", data, "application/octet-stream")}
        response = self._post("add", "add", params=_ADD_PARAMS, files=files)
        try:
            lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
            cid = normalise_cid(lines[-1]["Hash"])
        except (IndexError, KeyError, TypeError, ValueError):
            raise PinError(f"add at {self.url}: unexpected answer {response.text[:200]!r}") from None
        expected = cid_of(data)
        if cid != expected:
            raise PinError(f"add at {self.url}: node returned CID {cid}, but the content's CID is {expected}")
        return cid

    def pin(self, cid: str) -> None:
        cid = checked_cid(cid, self.url)
        params = {"arg": cid, "recursive": "true", "timeout": _duration(self.pin_timeout)}
        self._post("pin/add", f"pin {cid}", params=params, timeout=self.pin_timeout + 5, lookup=True)

    def cat(self, cid: str, *, timeout: float = 10.0) -> bytes:
        cid = checked_cid(cid, self.url)
        params = {"arg": cid, "timeout": _duration(timeout)}
        response = self._post("cat", f"cat {cid}", params=params, timeout=timeout + 5, lookup=True)
        expected = response.headers.get("X-Content-Length")
        if expected is not None and expected.isdigit() and int(expected) != len(response.content):
            raise PinError(f"cat {cid} at {self.url}: got {len(response.content)} of {expected} bytes")
        return response.content

    def import_car(self, path: Path | str) -> list[str]:
        """Import a CARv1 file (`/api/v0/dag/import`), pin its roots, return the root CIDs (base32)."""
        path = Path(path)
        try:
            files = {"file": (path.name, path.read_bytes(), "application/vnd.ipld.car")}
        except OSError as exc:
            raise PinError(f"dag/import at {self.url}: cannot read {path}: {exc.strerror}") from None
        response = self._post("dag/import", f"dag/import {path.name}", params={"pin-roots": "true"}, files=files)
        roots: list[str] = []
        for line in response.text.splitlines():
            root = json.loads(line).get("Root") if line.strip() else None
            if root:
                if root.get("PinErrorMsg"):
                    raise PinError(f"dag/import {path} at {self.url}: pinning root failed: {root['PinErrorMsg']}")
                roots.append(normalise_cid(root["Cid"]["/"]))
        return roots

    def has(self, cid: str) -> bool:
        """Whether the node has `cid` pinned recursively (`pin/ls`: answers from the pin set, never fetches).

        `block/stat` would not do: js-ipfs ignores `offline=true` there and searches the network."""
        cid = checked_cid(cid, self.url)
        params = {"arg": cid, "type": "recursive", "timeout": "5s"}
        try:
            self._post("pin/ls", f"pin/ls {cid}", params=params, timeout=10.0, lookup=True)
        except CidNotFound:
            return False
        return True

    def _post_json(self, path: str, what: str) -> dict[str, Any]:
        response = self._post(path, what)
        try:
            return dict(response.json())
        except ValueError:
            raise PinError(f"{what} at {self.url}: answer is not JSON: {response.text[:200]!r}") from None

    def _post(
        self,
        path: str,
        what: str,
        *,
        params: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
        timeout: float | None = None,
        lookup: bool = False,
    ) -> httpx.Response:
        """POST with retries; a node-side error becomes PinError (CidNotFound for content lookups)."""
        extra: dict[str, Any] = {} if timeout is None else {"timeout": httpx.Timeout(timeout, connect=5.0)}

        def send() -> httpx.Response:
            try:
                return self._client.post(f"/{path}", params=params, files=files, **extra)
            except httpx.ReadTimeout:
                if not lookup:
                    raise
                raise CidNotFound(f"{what} at {self.url}: no answer within {timeout:g}s") from None

        response = request_with_retries(send, policy=self.retry, what=what, url=self.url)
        if response.status_code == 200:
            return response
        message = _error_message(response)
        if lookup and response.status_code == 500:
            raise CidNotFound(f"{what} at {self.url}: not found ({message})")
        raise PinError(f"{what} at {self.url} failed: HTTP {response.status_code}: {message}")


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("Message", response.text))
    except ValueError:
        return response.text[:300] or response.reason_phrase


def _duration(seconds: float) -> str:
    return f"{max(seconds, 0.001):.3f}s"
