"""External programs (minimap2, samtools, bcftools from the system) run as checked pipelines."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path


class ToolError(RuntimeError):
    """A required program is missing or exited with an error (a broken installation, not bad input)."""


def require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise ToolError(f"{program} not found on PATH: install it (make install does: apt-get install {program})")
    return path


@lru_cache(maxsize=None)
def version(program: str) -> str:
    """First line of `program --version` (minimap2 prints just the number)."""
    out = subprocess.run([require(program), "--version"], capture_output=True, check=False)
    text = (out.stdout or out.stderr).decode(errors="replace")  # samtools prints a non-UTF-8 byte
    return f"{program} {text.splitlines()[0].split()[-1]}"


def run_pipeline(commands: Sequence[Sequence[str]], stdout: Path | None = None, stdin: Path | None = None) -> None:
    """Run `a | b | c`, each stage checked: any non-zero exit raises ToolError with that stage's stderr.

    Every program is looked up before any starts; stderr goes to temporary files (a chatty stage cannot fill
    a pipe and stall the others); whatever still runs when this returns or raises is killed.
    """
    programs = [require(cmd[0]) for cmd in commands]
    procs: list[subprocess.Popen[bytes]] = []
    errs = [tempfile.TemporaryFile() for _ in commands]
    fin = open(stdin, "rb") if stdin else None
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        upstream = fin
        for i, (program, cmd) in enumerate(zip(programs, commands)):
            last = i == len(commands) - 1
            proc = subprocess.Popen([program, *cmd[1:]], stdin=upstream,
                                    stdout=fout if last else subprocess.PIPE, stderr=errs[i])
            if upstream is not None and upstream is not fin:
                upstream.close()  # let SIGPIPE reach the writer if the reader dies
            upstream = proc.stdout
            procs.append(proc)
        errors = []
        for cmd, proc, err in zip(commands, procs, errs):
            proc.wait()
            if proc.returncode != 0:
                err.seek(0)
                text = err.read().decode(errors="replace")[-500:]
                errors.append(f"{' '.join(cmd[:2])} exited {proc.returncode}: {text}")
        if errors:
            raise ToolError("; ".join(errors))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for err in errs:
            err.close()
        if fin:
            fin.close()
        if stdout:
            fout.close()  # type: ignore[union-attr]
