"""The interface every pinning backend implements, and its errors."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .unixfs import normalise_cid


class PinError(RuntimeError):
    """A backend operation failed; the message names the backend URL and what failed."""


class CidNotFound(PinError):
    """The content of a CID could not be found/fetched within the time allowed."""


@runtime_checkable
class PinBackend(Protocol):
    """Stores and pins content by CID (base32 CIDv1, as `ipfs add --cid-version=1 --raw-leaves`)."""

    name: str
    url: str

    def add(self, data: bytes, *, filename: str | None = None) -> str:
        """Store and pin `data`; return its CID."""
        ...

    def pin(self, cid: str) -> None:
        """Pin content already known by CID (fetching it if the backend can)."""
        ...

    def cat(self, cid: str, *, timeout: float = 10.0) -> bytes:
        """The file bytes of `cid`; CidNotFound if absent/unreachable within `timeout` seconds."""
        ...

    def has(self, cid: str) -> bool:
        """Whether `cid` is kept by the backend (local: stored; kubo: pinned; pinning service: status pinned)."""
        ...


def checked_cid(cid: str, url: str) -> str:
    """`cid` as base32 CIDv1, or PinError naming the backend `url` if it is not a CID."""
    try:
        return normalise_cid(cid)
    except ValueError as exc:
        raise PinError(f"{url}: {exc}") from None
