"""Sample IDs become file names (DIR/ID.bam): refuse anything that is not a plain, safe name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from genoflow.validation.errors import InputError

MAX_SAMPLE_ID_LENGTH = 64
_ALLOWED = re.compile(r"[A-Za-z0-9._-]+")


def _problem(sample_id: str) -> str | None:
    if not sample_id:
        return "is empty"
    if "/" in sample_id or "\\" in sample_id:
        return "contains a path separator ('/' or '\\')"
    if ".." in sample_id:
        return "contains '..'"
    if sample_id.startswith("."):
        return "starts with '.' (hidden file)"
    if any(ch.isspace() for ch in sample_id):
        return "contains whitespace"
    if any(unicodedata.category(ch).startswith("C") for ch in sample_id):
        return "contains a control character"
    if len(sample_id) > MAX_SAMPLE_ID_LENGTH:
        return f"is {len(sample_id)} characters long (maximum {MAX_SAMPLE_ID_LENGTH})"
    if not _ALLOWED.fullmatch(sample_id):
        bad = next(ch for ch in sample_id if not _ALLOWED.fullmatch(ch))
        return f"contains {bad!r} (allowed: letters A-Z a-z, digits, '.', '_', '-')"
    return None


def validate_sample_id(sample_id: str, source: Path | str | None = None) -> str:
    """Return `sample_id` unchanged if it is safe to use as a file name, else raise InputError.

    `source` (a sample sheet, say) is named in the error when given.
    """
    problem = _problem(sample_id)
    if problem is not None:
        raise InputError(source, f"sample ID {sample_id!r} {problem}")
    return sample_id


def check_unique_ids(sample_ids: Iterable[str], source: str) -> None:
    """Raise InputError naming `source` and the ID when an ID occurs twice (record = entry of the repeat)."""
    first_seen: dict[str, int] = {}
    for entry, sample_id in enumerate(sample_ids, start=1):
        if sample_id in first_seen:
            raise InputError(source, f"duplicate sample ID {sample_id!r} (first used at entry {first_seen[sample_id]})",
                             record=entry)
        first_seen[sample_id] = entry
