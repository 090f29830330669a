#!/usr/bin/env bash
# Stop the test node started by ipfs-node/start.sh DIR (SIGTERM, then SIGKILL after 10 s). Idempotent.
set -euo pipefail
dir="${1:?usage: $0 DIR}"
pidfile="$dir/daemon.pid"
[ -f "$pidfile" ] || exit 0
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
fi
rm -f "$pidfile"
