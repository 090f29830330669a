"""A loopback stand-in for a Stacks node + API (127.0.0.1 only), for testing the `stacks` anchor backend.

No real Stacks node can run here. This server speaks the endpoints the backend uses and backs them with the
Clarinet simnet (the real contracts in the real Clarity VM): signed transactions are signature-checked,
nonce-checked and executed as their signer; call-read runs the contract's read-only functions.

- POST /v2/contracts/call-read/{address}/{name}/{function}  -> {"okay": true, "result": "0x…"}
- POST /v2/transactions  {"tx": hex}                          -> "txid" (JSON string) | 400 {"error", "reason"}
                                                               (or no reply at all with `drop_broadcast_reply`)
- GET  /extended/v1/address/{address}/nonces                 -> {"possible_next_nonce": n} (404 if disabled)
- GET  /v2/accounts/{address}                                -> {"nonce": n, "balance": "0x…"}
- GET  /extended/v1/tx/0x{txid}                              -> pending for `pending_polls` polls, then the outcome
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from genoflow.anchor.node import NodeProcess


@dataclass
class ChainState:
    simnet: NodeProcess
    nonces: dict[str, int] = field(default_factory=dict)
    txs: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    broadcasts: list[str] = field(default_factory=list)  # every POST /v2/transactions body
    requests: list[str] = field(default_factory=list)
    pending_polls: int = 1          # polls answered "pending" before the outcome
    never_confirm: bool = False     # keep every transaction pending forever
    nonces_endpoint: bool = True    # False: /extended/.../nonces answers 404 (node without the indexer)
    drop_broadcast_reply: bool = False  # accept and mine a broadcast, then close the connection unanswered
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: ChainState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))

        def do_POST(self) -> None:
            with state.lock:
                state.requests.append(f"POST {self.path}")
                if m := re.fullmatch(r"/v2/contracts/call-read/(\w+)/([\w-]+)/([\w-]+)", self.path):
                    body = self._body()
                    try:
                        result = state.simnet.request("read_hex", contract=f"{m[1]}.{m[2]}", function=m[3],
                                                      args_hex=body["arguments"], sender=body["sender"])
                    except Exception as exc:
                        return self._send(200, {"okay": False, "cause": str(exc)})
                    return self._send(200, {"okay": True, "result": result["result_hex"]})
                if self.path == "/v2/transactions":
                    return self._transaction(self._body()["tx"])
                self._send(404, {"error": f"no route {self.path}"})

        def _transaction(self, tx_hex: str) -> None:
            state.broadcasts.append(tx_hex)
            try:  # like a node: check signature and nonce first, then the transaction is mined
                outcome = state.simnet.request("submit_tx", tx_hex=tx_hex, expected_nonces=state.nonces)
            except Exception as exc:
                reason = "BadNonce" if "BadNonce" in str(exc) else "SignatureValidation"
                return self._send(400, {"error": "transaction rejected", "reason": reason, "reason_data": str(exc)})
            state.nonces[outcome["sender"]] = outcome["nonce"] + 1
            state.txs[outcome["txid"]] = outcome
            if state.drop_broadcast_reply:
                self.close_connection = True  # the reply is lost: the client sees a disconnect
                return
            self._send(200, outcome["txid"])

        def do_GET(self) -> None:
            with state.lock:
                state.requests.append(f"GET {self.path}")
                path = self.path.split("?")[0]
                if m := re.fullmatch(r"/extended/v1/address/(\w+)/nonces", path):
                    if not state.nonces_endpoint:
                        return self._send(404, {"error": "not found"})
                    return self._send(200, {"possible_next_nonce": state.nonces.get(m[1], 0),
                                            "detected_missing_nonces": [], "last_executed_tx_nonce": None})
                if m := re.fullmatch(r"/v2/accounts/(\w+)", path):
                    return self._send(200, {"nonce": state.nonces.get(m[1], 0), "balance": "0x0"})
                if m := re.fullmatch(r"/extended/v1/tx/0x([0-9a-f]{64})", path):
                    tx = state.txs.get(m[1])
                    if tx is None:
                        return self._send(404, {"error": f"could not find transaction by ID 0x{m[1]}"})
                    state.polls[m[1]] = state.polls.get(m[1], 0) + 1
                    if state.never_confirm or state.polls[m[1]] <= state.pending_polls:
                        return self._send(200, {"tx_id": f"0x{m[1]}", "tx_status": "pending"})
                    failed = "err" in tx["result"]
                    return self._send(200, {
                        "tx_id": f"0x{m[1]}", "tx_status": "abort_by_response" if failed else "success",
                        "block_height": tx["block_height"], "sender_address": tx["sender"], "nonce": tx["nonce"],
                        "tx_result": {"hex": tx["result_hex"],
                                      "repr": f"(err u{tx['result']['err']})" if failed else f"(ok u{tx['result']['ok']})"},
                    })
                self._send(404, {"error": f"no route {path}"})

    return Handler


class FakeStacksNode:
    """Start with `with FakeStacksNode(project, log_dir) as node:`; `node.url` is the API base URL."""

    def __init__(self, project: Path, log_dir: Path) -> None:
        self.simnet = NodeProcess(project / "bridge" / "simnet-bridge.mjs", [str(project / "Clarinet.toml")],
                                  log_path=log_dir / "fake-node-simnet.log")
        info = self.simnet.request("info")
        self.deployer: str = info["deployer"]
        self.contract_id: str = info["contracts"]["data-registry"]
        self.state = ChainState(self.simnet)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def enrol_facility(self, address: str, *, subscribe: bool = True) -> None:
        """What the registry's owner and the facility do out of band: register it, fund it, subscribe."""
        call = self.simnet.request
        assert call("call", contract="user-identity", function="register", sender=self.deployer,
                    args=[{"principal": address}, {"uint": 1}, {"ascii": "loopback facility"}])["result"] == {"ok": True}
        call("mint_stx", recipient=address, amount=1_000_000_000)
        if subscribe:
            assert "ok" in call("call", contract="subscription-access", function="subscribe", sender=address,
                                args=[{"uint": 1}])["result"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.simnet.close()

    def __enter__(self) -> FakeStacksNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
