"""A long-lived Node.js helper speaking JSON lines (contracts/bridge/*.mjs), and where to find it."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from genoflow.anchor.base import AnchorError

NPM_INSTALL_HINT = "run `cd contracts && npm ci` (needs Node 20 and the npm registry once)"


class BridgeError(AnchorError):
    """The Node helper could not be started, died, timed out or answered with an error."""


def contracts_dir(explicit: Path | None = None) -> Path:
    """The Clarinet project: `explicit`, else $GENOFLOW_CONTRACTS_DIR, else `contracts/` of this checkout."""
    chosen = explicit or (Path(os.environ["GENOFLOW_CONTRACTS_DIR"]) if os.environ.get("GENOFLOW_CONTRACTS_DIR")
                          else Path(__file__).resolve().parents[2] / "contracts")
    if not (chosen / "Clarinet.toml").is_file():
        raise BridgeError(f"{chosen}: no Clarinet.toml here; set GENOFLOW_CONTRACTS_DIR to genoflow's contracts/ directory")
    if not (chosen / "node_modules" / "@stacks" / "clarinet-sdk").is_dir():
        raise BridgeError(f"{chosen / 'node_modules'}: @stacks/clarinet-sdk is not installed; {NPM_INSTALL_HINT}")
    return chosen


def contract_errors(project: Path) -> dict[int, str]:
    """Every `(define-constant ERR-NAME (err uN))` of the project's contracts, as code -> name (codes are unique)."""
    found: dict[int, str] = {}
    for source in sorted((project / "contracts").glob("*.clar")):
        for name, code in re.findall(r"\(define-constant (ERR-[A-Z-]+) \(err u(\d+)\)\)", source.read_text()):
            found[int(code)] = name
    return found


class NodeProcess:
    """One Node script run as a child process; `request()` sends a command and waits for its reply.

    stdout carries only protocol lines (the scripts move all logging to stderr); stderr goes to `log_path`.
    """

    def __init__(self, script: Path, args: list[str], *, log_path: Path, env: dict[str, str] | None = None,
                 start_timeout: float = 120.0, node: str = "node") -> None:
        executable = shutil.which(node)
        if executable is None:
            raise BridgeError(f"`{node}` is not on PATH; the anchor bridges need Node.js 20")
        self.script = script
        self._dead: str | None = None  # why the process was given up on; set once, never cleared
        self._next_id = 0
        self._lock = threading.Lock()
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._log = open(log_path, "w")
        try:
            self._proc = subprocess.Popen(
                [executable, str(script), *args], cwd=script.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._log, text=True, env={**os.environ, **(env or {})}, bufsize=1)
        except BaseException:
            self._log.close()
            raise
        try:
            threading.Thread(target=self._pump, daemon=True, name=f"{script.name}-stdout").start()
            self.ready = self._receive(None, start_timeout)
        except BaseException:
            self._kill("it did not start")
            raise

    def _pump(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._replies.put(line)
        self._replies.put(None)

    def _receive(self, request_id: int | None, timeout: float) -> dict[str, Any]:
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            # a late reply would otherwise be read as the answer to the next request: give the process up
            self._kill(f"it gave no answer within {timeout:.0f} s")
            raise BridgeError(f"{self.script.name} gave no answer within {timeout:.0f} s; stopped it "
                              f"(log: {self._log.name})") from None
        if line is None:
            raise BridgeError(f"{self.script.name} exited (code {self._proc.poll()}); see {self._log.name}")
        reply = json.loads(line)
        if reply.get("id") != request_id:
            self._kill(f"it answered request {reply.get('id')} while {request_id} was pending")
            raise BridgeError(f"{self.script.name} answered request {reply.get('id')} while {request_id} was pending")
        if not reply["ok"]:
            raise BridgeError(f"{self.script.name}: {reply['error']}")
        return reply["data"]

    def request(self, cmd: str, timeout: float = 60.0, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            if self._dead is not None:
                raise BridgeError(f"{self.script.name} was stopped because {self._dead}; start a new one")
            if self._proc.poll() is not None:
                raise BridgeError(f"{self.script.name} is not running (exit {self._proc.returncode}); see {self._log.name}")
            assert self._proc.stdin is not None
            self._proc.stdin.write(json.dumps({"id": self._next_id, "cmd": cmd, **fields}) + "\n")
            self._proc.stdin.flush()
            return self._receive(self._next_id, timeout)

    def _kill(self, reason: str) -> None:
        """Kill the process now (no graceful exit) and refuse every later request, naming `reason`."""
        self._dead = reason
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._log.close()

    def close(self) -> None:
        if self._dead is not None:
            return
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()  # end of input: the script's loop finishes and it exits
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()
