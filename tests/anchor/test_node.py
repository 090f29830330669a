"""NodeProcess failure paths, with tiny throwaway Node scripts: a child that never becomes ready, or that
answers too late, must not be left running nor be asked again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from genoflow.anchor.node import BridgeError, NodeProcess

# Writes its pid next to itself, then stays silent (never ready) or becomes ready and answers every request
# after DELAY_MS, so a short request timeout expires before the reply arrives.
SCRIPT = """
import { writeFileSync } from "node:fs";
import readline from "node:readline";
writeFileSync(new URL("./pid", import.meta.url), String(process.pid));
const mode = process.argv[2];
if (mode === "silent") { setInterval(() => {}, 1000); }
else {
  process.stdout.write(JSON.stringify({ id: null, ok: true, data: { ready: true } }) + "\\n");
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const { id } = JSON.parse(line);
    setTimeout(() => process.stdout.write(JSON.stringify({ id, ok: true, data: { id } }) + "\\n"), Number(mode));
  }
}
"""


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "bridge.mjs"
    path.write_text(SCRIPT)
    return path


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_bridge_that_never_becomes_ready_is_killed(tmp_path: Path) -> None:
    with pytest.raises(BridgeError, match="gave no answer within"):
        NodeProcess(_script(tmp_path), ["silent"], log_path=tmp_path / "bridge.log", start_timeout=3.0)
    pid = int((tmp_path / "pid").read_text())
    assert not _running(pid)  # killed and reaped, not a zombie


def test_a_request_timeout_stops_the_bridge_and_later_requests_fail_clearly(tmp_path: Path) -> None:
    bridge = NodeProcess(_script(tmp_path), ["1500"], log_path=tmp_path / "bridge.log", start_timeout=30.0)
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(BridgeError, match="gave no answer within"):
        bridge.request("slow", timeout=0.2)
    assert not _running(pid)
    # the late reply to the first request can never be taken as the answer to this one
    with pytest.raises(BridgeError, match="was stopped because it gave no answer"):
        bridge.request("next", timeout=5.0)
    bridge.close()  # harmless after the kill


def test_a_prompt_bridge_answers_and_closes(tmp_path: Path) -> None:
    bridge = NodeProcess(_script(tmp_path), ["0"], log_path=tmp_path / "bridge.log", start_timeout=30.0)
    assert bridge.request("fast", timeout=30.0) == {"id": 1}
    bridge.close()
    assert not _running(int((tmp_path / "pid").read_text()))
