"""The one exception every validation problem is reported with."""

from __future__ import annotations

import errno
from pathlib import Path


class InputError(ValueError):
    """A problem with an input, as one line: '<file>: record <n>: <problem>'.

    `record` is 1-based and None when the problem is not tied to one record (an empty file, R1/R2 read counts);
    `path` is None for problems that are not about a file (an unsafe sample ID typed on the command line).
    """

    def __init__(self, path: Path | str | None, problem: str, record: int | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.record = record
        self.problem = problem
        super().__init__(self._line())

    def _line(self) -> str:
        parts = [str(self.path)] if self.path is not None else []
        if self.record is not None:
            parts.append(f"record {self.record}")
        parts.append(self.problem)
        return ": ".join(parts)

    def __reduce__(self):  # keep the fields when pickled across process/Prefect boundaries
        return (type(self), (self.path, self.problem, self.record))


TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.ESTALE, errno.ETIMEDOUT, errno.EAGAIN, errno.EINTR})


def is_transient_io_error(exc: BaseException) -> bool:
    """An OSError from the storage (I/O error, stale NFS handle, timeout), as opposed to damaged content."""
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS
