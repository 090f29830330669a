"""Append-only JSON-lines journal of the simnet calls that mined blocks, and its replay check."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from genoflow.anchor.base import AnchorError


class JournalError(AnchorError):
    """The journal cannot be read, is locked by another process, or replays to a different state."""


class Journal:
    """`path` holds one JSON object per line: {"request": {...}, "reply": {...}} for every block-mining call.

    Opening takes an exclusive lock on `path`.lock (a second backend on the same store fails clearly).
    Lines are flushed and fsynced before the caller sees the result. A final line cut short by a crash is
    dropped on open: its caller never received an answer, and the in-memory chain it changed is gone too.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file: TextIO = open(path.with_name(path.name + ".lock"), "w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise JournalError(f"{path}: in use by another genoflow process (lock {self._lock_file.name})") from None
        self.entries: list[dict[str, Any]] = list(self._read())
        self._out = open(path, "a")

    def _read(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        raw = self.path.read_bytes()
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        elif lines:  # no final newline: the last write was interrupted
            with open(self.path, "r+b") as handle:
                handle.truncate(len(raw) - len(lines.pop()))
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                if not isinstance(entry.get("request"), dict) or not isinstance(entry.get("reply"), dict):
                    raise ValueError("needs 'request' and 'reply' objects")
            except ValueError as exc:
                raise JournalError(f"{self.path}:{number}: not a journal entry ({exc})") from None
            yield entry

    def append(self, request: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        entry = {"request": request, "reply": reply}
        self._out.write(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
        self._out.flush()
        os.fsync(self._out.fileno())
        self.entries.append(entry)
        return entry

    def close(self) -> None:
        if self._lock_file.closed:
            return
        self._out.close()
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()
