"""IPFS pinning backends behind one interface (`PinBackend`), chosen by URL with `open_backend`:

- `local:///path/dir` — embedded content-addressed block directory (default; can export CARv1 files),
- `kubo+http://127.0.0.1:5001` — a Kubo-compatible node's RPC API,
- `pinning+https://host/api?token-env=VAR` — an IPFS Pinning Service API v1 endpoint.

All CIDs are base32 CIDv1 exactly as `ipfs add --cid-version=1 --raw-leaves` computes them (`cid_of`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from .base import CidNotFound, PinBackend, PinError
from .car import read_car, write_car
from .http import RetryPolicy
from .kubo import KuboBackend
from .local import LocalBackend
from .pinning_service import PinningServiceBackend
from .unixfs import build_file_dag, cid_of, normalise_cid

__all__ = [
    "CidNotFound",
    "KuboBackend",
    "LocalBackend",
    "PinBackend",
    "PinError",
    "PinningServiceBackend",
    "RetryPolicy",
    "build_file_dag",
    "cid_of",
    "normalise_cid",
    "open_backend",
    "read_car",
    "write_car",
]

_PINNING_QUERY = {"token-env": "token_env", "gateway": "gateway", "origin": "origins"}


def open_backend(url: str, **options: Any) -> PinBackend:
    """The backend named by `url`; keyword options override URL query values.

    Options: kubo — timeout, pin_timeout, attempts, backoff; pinning — token_env, gateway, origins,
    timeout, pin_timeout, poll_interval, attempts, backoff (`attempts` counts every try, the first included).
    PinError for an unknown scheme or option.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or not rest:
        raise PinError(f"backend URL {url!r} is not of the form local://DIR, kubo+http://HOST:PORT or pinning+https://HOST/PATH")
    try:
        if scheme == "local":
            if options:
                raise TypeError(f"unexpected options {sorted(options)}")
            return LocalBackend(rest)
        if "attempts" in options or "backoff" in options:
            defaults = RetryPolicy()
            options["retry"] = RetryPolicy(
                attempts=int(options.pop("attempts", defaults.attempts)), backoff=float(options.pop("backoff", defaults.backoff))
            )
        if scheme in ("kubo+http", "kubo+https"):
            return KuboBackend(f"{scheme[5:]}://{rest}", **options)
        if scheme in ("pinning+http", "pinning+https"):
            parts = urlsplit(f"{scheme[8:]}://{rest}")
            from_query: dict[str, Any] = {}
            for key, values in parse_qs(parts.query).items():
                if key not in _PINNING_QUERY:
                    raise TypeError(f"unknown URL parameter {key!r} (known: {', '.join(_PINNING_QUERY)})")
                from_query[_PINNING_QUERY[key]] = values if key == "origin" else values[-1]
            if "token_env" not in {**from_query, **options}:
                raise TypeError("a pinning service needs token-env=VAR (the variable holding the Bearer token)")
            api_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
            return PinningServiceBackend(api_url, **{**from_query, **options})
    except (TypeError, ValueError) as exc:
        raise PinError(f"backend URL {url!r}: {exc}") from None
    raise PinError(f"backend URL {url!r}: unknown scheme {scheme!r} (use local, kubo+http(s) or pinning+http(s))")
