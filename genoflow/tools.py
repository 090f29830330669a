"""External programs (minimap2, samtools, bcftools from the system) run as checked pipelines."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path


class ToolError(RuntimeError):
    """A required program is missing or exited with an error (a broken installation, not bad input)."""


def require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise ToolError(f"{program} not found on PATH: install it (make install does: apt-get install {program})")
    return path


def version(program: str) -> str:
    """First line of `program --version` (minimap2 prints just the number)."""
    out = subprocess.run([require(program), "--version"], capture_output=True, check=False)
    text = (out.stdout or out.stderr).decode(errors="replace")  # samtools prints a non-UTF-8 byte
    return f"{program} {text.splitlines()[0].split()[-1]}"


def run_pipeline(commands: Sequence[Sequence[str]], stdout: Path | None = None, stdin: Path | None = None) -> None:
    """Run `a | b | c`, each stage checked: any non-zero exit raises ToolError with that stage's stderr."""
    procs: list[subprocess.Popen[bytes]] = []
    fin = open(stdin, "rb") if stdin else None
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        upstream = fin
        for i, cmd in enumerate(commands):
            last = i == len(commands) - 1
            proc = subprocess.Popen(
                [require(cmd[0]), *cmd[1:]],
                stdin=upstream,
                stdout=fout if last else subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            if upstream is not None and upstream is not fin:
                upstream.close()  # let SIGPIPE reach the writer if the reader dies
            upstream = proc.stdout
            procs.append(proc)
        errors = []
        for cmd, proc in zip(commands, procs):
            _, err = proc.communicate()
            if proc.returncode != 0:
                errors.append(f"{' '.join(cmd[:2])} exited {proc.returncode}: {err.decode(errors='replace')[-500:]}")
        if errors:
            raise ToolError("; ".join(errors))
    finally:
        if fin:
            fin.close()
        if stdout:
            fout.close()  # type: ignore[union-attr]
