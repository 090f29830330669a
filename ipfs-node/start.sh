#!/usr/bin/env bash
# Start an offline js-ipfs test node (Kubo-compatible RPC) whose repo lives in DIR; print its API URL.
#   usage: ipfs-node/start.sh DIR        (needs `npm ci` in ipfs-node/ first)
# First start: `jsipfs init --profile test --empty-repo`, then API/Gateway/RPC bound to 127.0.0.1 on free
# ports (a JSON edit of $IPFS_PATH/config). Later starts reuse the repo and its ports, so the URL is stable.
# Daemon log: DIR/daemon.log, pid: DIR/daemon.pid. Stop with ipfs-node/stop.sh DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: $0 DIR}"
jsipfs="$here/node_modules/.bin/jsipfs"
[ -x "$jsipfs" ] || { echo "start.sh: $jsipfs missing: run 'npm ci' in $here" >&2; exit 2; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
export IPFS_PATH="$dir/repo"

if [ -f "$dir/daemon.pid" ] && kill -0 "$(cat "$dir/daemon.pid")" 2>/dev/null; then
  echo "start.sh: a node already runs from $dir (pid $(cat "$dir/daemon.pid"))" >&2; exit 1
fi

if [ ! -f "$IPFS_PATH/config" ]; then
  "$jsipfs" init --profile test --empty-repo >"$dir/init.log" 2>&1 \
    || { echo "start.sh: jsipfs init failed, see $dir/init.log:" >&2; tail -20 "$dir/init.log" >&2; exit 1; }
  node - "$IPFS_PATH/config" <<'JS'
const fs = require('fs'), net = require('net');
const file = process.argv[2];
const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer().once('error', reject);
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});
(async () => {
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
  const [api, gateway, rpc] = [await freePort(), await freePort(), await freePort()];
  cfg.Addresses = { ...cfg.Addresses, API: `/ip4/127.0.0.1/tcp/${api}`, Gateway: `/ip4/127.0.0.1/tcp/${gateway}`,
                    RPC: `/ip4/127.0.0.1/tcp/${rpc}`, Swarm: ['/ip4/127.0.0.1/tcp/0'], Delegates: [] };
  cfg.Bootstrap = [];
  cfg.Discovery = { ...cfg.Discovery, MDNS: { Enabled: false }, webRTCStar: { Enabled: false } };
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
})().catch((e) => { console.error(e); process.exit(1); });
JS
fi

api_port="$(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(c.Addresses.API.split("/").pop())' "$IPFS_PATH/config")"
url="http://127.0.0.1:$api_port"
rm -f "$IPFS_PATH/api"  # stale after a crash; js-ipfs would then act as a client of a dead node
nohup "$jsipfs" daemon --enable-preload=false >"$dir/daemon.log" 2>&1 </dev/null &
echo $! >"$dir/daemon.pid"

for _ in $(seq 1 480); do  # up to 120 s (busy machines); js-ipfs logs "Daemon is ready" once the API listens
  if grep -q "Daemon is ready" "$dir/daemon.log"; then
    echo "$url"; exit 0
  fi
  kill -0 "$(cat "$dir/daemon.pid")" 2>/dev/null || break
  sleep 0.25
done
echo "start.sh: node in $dir did not become ready; daemon.log:" >&2
tail -30 "$dir/daemon.log" >&2
"$here/stop.sh" "$dir" >/dev/null 2>&1 || true
exit 1
