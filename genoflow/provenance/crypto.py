"""Optional encryption of result bundles before pinning (AES-256-GCM, `cryptography`).

The key lives only in a local key file (mode 0600) in the batch's state directory; it is never pinned.

Sealed format: b"GFENC1" || nonce (12 bytes) || AES-GCM(ciphertext || 16-byte tag), associated data
b"genoflow-bundle-v1". The nonce is synthetic: HMAC-SHA256(key, b"nonce" || sha256(plaintext))[:12]. The same
plaintext under the same key therefore gives the same bytes (so a re-published batch keeps its CIDs and its
manifest), while different plaintexts get different nonces; a repeated nonce can only ever encrypt the very
same plaintext again, which reveals nothing beyond that equality.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"GFENC1"
NONCE_BYTES = 12
KEY_BYTES = 32
ASSOCIATED_DATA = b"genoflow-bundle-v1"


class CryptoError(ValueError):
    """A missing/unsafe key file, or ciphertext that does not decrypt with the key."""


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def seal(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt `plaintext` deterministically under `key` (see the module docstring)."""
    _check_key(key)
    nonce = hmac.new(key, b"nonce" + hashlib.sha256(plaintext).digest(), hashlib.sha256).digest()[:NONCE_BYTES]
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, ASSOCIATED_DATA)


def open_sealed(key: bytes, sealed: bytes, *, source: str = "ciphertext") -> bytes:
    """Decrypt what `seal` produced; CryptoError naming `source` if it is not ours or the key is wrong."""
    _check_key(key)
    if not is_sealed(sealed) or len(sealed) < len(MAGIC) + NONCE_BYTES + 16:
        raise CryptoError(f"{source}: not a genoflow encrypted bundle (no {MAGIC.decode()} header)")
    nonce = sealed[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, sealed[len(MAGIC) + NONCE_BYTES:], ASSOCIATED_DATA)
    except InvalidTag:
        raise CryptoError(f"{source}: does not decrypt with this key (wrong key or altered bytes)") from None


def load_or_create_key(path: Path) -> bytes:
    """The key in `path`, creating it (32 random bytes, hex, mode 0600) if absent."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return load_key(path)


def load_key(path: Path) -> bytes:
    """Read a key file; CryptoError if it is missing, malformed or readable by others."""
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
        text = path.read_text().strip()
    except OSError as exc:
        raise CryptoError(f"{path}: cannot read the bundle key ({exc.strerror})") from None
    if mode & 0o077:
        raise CryptoError(f"{path}: key file is accessible to other users (mode {mode:o}); chmod 600 it")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise CryptoError(f"{path}: key file is not hex") from None
    _check_key(key, source=str(path))
    return key


def _check_key(key: bytes, source: str = "key") -> None:
    if len(key) != KEY_BYTES:
        raise CryptoError(f"{source}: AES-256 key must be {KEY_BYTES} bytes, got {len(key)}")
