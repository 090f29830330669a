"""Bounded retries with exponential backoff around httpx calls, shared by the kubo and pinning-service
backends. Only transient failures are retried (connection errors, timeouts, HTTP 429/502/503/504)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from .base import PinError

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in total, sleeping `backoff * 2**i` (capped at `max_sleep`) between them."""

    attempts: int = 4
    backoff: float = 0.25
    max_sleep: float = 4.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0:
            raise ValueError(f"invalid retry policy: attempts={self.attempts} backoff={self.backoff}")

    def sleep_for(self, attempt: int) -> float:
        return min(self.backoff * 2**attempt, self.max_sleep)


def request_with_retries(
    send: Callable[[], httpx.Response], *, policy: RetryPolicy, what: str, url: str
) -> httpx.Response:
    """Call `send()` until it returns a non-transient response; PinError naming `url` when attempts run out."""
    last: str = ""
    for attempt in range(policy.attempts):
        try:
            response = send()
        except (httpx.TransportError) as exc:  # connect/read/write errors and timeouts
            last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        else:
            if response.status_code not in TRANSIENT_STATUS:
                return response
            last = f"HTTP {response.status_code}"
        if attempt + 1 < policy.attempts:
            pause = policy.sleep_for(attempt)
            log.warning("%s at %s failed (%s); retry %d/%d in %.2fs", what, url, last, attempt + 1, policy.attempts - 1, pause)
            time.sleep(pause)
    raise PinError(f"{what} at {url} failed after {policy.attempts} attempts: {last} (is the node/service up?)")
