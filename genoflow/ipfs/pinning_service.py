"""`pinning+https://` backend: the IPFS Pinning Service API v1 (https://ipfs.github.io/pinning-services-api-spec/).

`pin` POSTs `/pins` with `{cid, name}` and polls `GET /pins/{requestid}` until the service reports
`pinned` (or `failed`, or `pin_timeout` seconds pass). The service fetches content over IPFS itself, so
`add` only computes the CID locally and requests the pin; pass `origins` (multiaddrs of a node holding
the content, e.g. the facility's Kubo node) to help it. The Bearer token is read from the environment
variable named by `token-env` and is never logged or shown. `cat` needs a `gateway` URL; content
from it is checked against the CID before it is returned.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx

from .base import CidNotFound, PinError, checked_cid
from .http import RetryPolicy, request_with_retries
from .unixfs import cid_of


class PinningServiceBackend:
    """Remote pins through a Pinning Service API endpoint `api_url` (the part before `/pins`)."""

    name = "pinning-service"

    def __init__(
        self,
        api_url: str,
        *,
        token_env: str,
        gateway: str | None = None,
        origins: list[str] | None = None,
        timeout: float = 30.0,
        pin_timeout: float = 300.0,
        poll_interval: float = 0.5,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.url = f"pinning+{self.api_url}"
        token = os.environ.get(token_env, "")
        if not token:
            raise PinError(f"{self.url}: environment variable {token_env} (the Bearer token) is not set")
        self.gateway = gateway.rstrip("/") if gateway else None
        self.origins = list(origins or [])
        self.pin_timeout = pin_timeout
        self.poll_interval = poll_interval
        self.retry = retry
        self._client = httpx.Client(
            base_url=self.api_url,
            timeout=httpx.Timeout(timeout, connect=5.0),
            headers={"Authorization": f"Bearer {token}"},
        )

    def __repr__(self) -> str:
        return f"PinningServiceBackend({self.api_url!r})"

    def close(self) -> None:
        self._client.close()

    def add(self, data: bytes, *, filename: str | None = None) -> str:
        cid = cid_of(data)
        self._pin(cid, filename)
        return cid

    def pin(self, cid: str) -> None:
        self._pin(checked_cid(cid, self.url), None)

    def has(self, cid: str) -> bool:
        cid = checked_cid(cid, self.url)
        answer = self._json("GET", "/pins", f"list pins of {cid}", params={"cid": cid, "status": "pinned"})
        return int(answer.get("count", 0)) > 0

    def cat(self, cid: str, *, timeout: float = 10.0) -> bytes:
        cid = checked_cid(cid, self.url)
        if self.gateway is None:
            raise PinError(f"{self.url}: cannot cat {cid}: the Pinning Service API serves no content; set gateway=")
        try:
            response = httpx.get(f"{self.gateway}/ipfs/{cid}", timeout=httpx.Timeout(timeout, connect=5.0))
        except httpx.TransportError as exc:
            raise CidNotFound(f"cat {cid} via gateway {self.gateway} failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise CidNotFound(f"cat {cid} via gateway {self.gateway}: HTTP {response.status_code}")
        if cid_of(response.content) != cid:
            raise PinError(f"cat {cid} via gateway {self.gateway}: content does not match the CID")
        return response.content

    def _pin(self, cid: str, name: str | None) -> None:
        body: dict[str, Any] = {"cid": cid}
        if name:
            body["name"] = name
        if self.origins:
            body["origins"] = self.origins
        status = self._json("POST", "/pins", f"request pin of {cid}", json=body)
        deadline = time.monotonic() + self.pin_timeout
        pause = self.poll_interval
        while status.get("status") != "pinned":
            requestid = status.get("requestid")
            if status.get("status") == "failed":
                raise PinError(f"pin {cid} at {self.url}: the service reports failed ({status.get('info') or 'no info'})")
            if not requestid:
                raise PinError(f"pin {cid} at {self.url}: answer has no requestid: {status!r}"[:300])
            if time.monotonic() + pause > deadline:
                raise PinError(f"pin {cid} at {self.url}: still {status.get('status')!r} after {self.pin_timeout:g}s")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            status = self._json("GET", f"/pins/{requestid}", f"poll pin {requestid} of {cid}")

    def _json(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        response = request_with_retries(
            lambda: self._client.request(method, path, **kwargs), policy=self.retry, what=what, url=self.url
        )
        if response.status_code in (401, 403):
            raise PinError(f"{what} at {self.url}: HTTP {response.status_code}: token rejected")
        if response.status_code >= 400:
            raise PinError(f"{what} at {self.url}: HTTP {response.status_code}: {_reason(response)}")
        try:
            return dict(response.json())
        except ValueError:
            raise PinError(f"{what} at {self.url}: answer is not JSON: {response.text[:200]!r}") from None


def _reason(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return f"{error.get('reason', '')} {error.get('details', '')}".strip() or response.text[:200]
    except (ValueError, AttributeError):
        return response.text[:200]
