"""`simnet` anchor backend: the real Clarity contracts in the Clarinet SDK simnet, kept in one Node process.

The simnet chain lives in memory only. Every command that mines a block (public calls, whether the
contract accepts or refuses them, and empty blocks) is journalled in the store directory and replayed when
the backend starts, so the chain - block heights included - comes back identical; replay stops with a
JournalError naming the line if any call answers differently than recorded.

Accounts come from contracts/settings/Devnet.toml: `deployer` owns the contracts and is the subscription
treasury; the facility that anchors is `wallet_1` (a treasury cannot pay itself in STX). On first start
the facility is registered and subscribed; the subscription is renewed whenever it has run out.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from genoflow.anchor.base import AlreadyAnchored, AnchorRecord, AnchorRejected, check_anchor_input, check_root
from genoflow.anchor.journal import Journal, JournalError
from genoflow.anchor.node import NodeProcess, contract_errors, contracts_dir

JOURNAL_NAME = "simnet-journal.jsonl"
FACILITY_ROLE = 1
SUBSCRIPTION_PERIODS = 120  # the contract's maximum per call: 120 x 4320 blocks


def simnet_txid(entry: dict[str, Any]) -> str:
    """Simnet has no signed transactions: a deterministic stand-in id, sha256 of the journalled call."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class SimnetBackend:
    """AnchorBackend over the simnet bridge; `state_dir` holds the journal and the bridge's log."""

    def __init__(self, state_dir: Path, *, project: Path | None = None, facility: str = "wallet_1",
                 node: str = "node") -> None:
        self.project = contracts_dir(project)
        self.errors = contract_errors(self.project)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(state_dir / JOURNAL_NAME)
        try:
            self.bridge = NodeProcess(self.project / "bridge" / "simnet-bridge.mjs", [str(self.project / "Clarinet.toml")],
                                      log_path=state_dir / "simnet-bridge.log", node=node)
        except BaseException:
            self.journal.close()
            raise
        try:
            info = self.bridge.request("info")
            self.accounts: dict[str, str] = info["accounts"]
            self.deployer: str = info["deployer"]
            self.facility = self.accounts.get(facility, facility)
            self.contract_id: str = info["contracts"]["data-registry"]
            self._txids: dict[str, str] = {}
            self._replay()
            self._ensure_facility()
        except BaseException:
            self.close()
            raise

    # -- chain access ------------------------------------------------------------------------------
    def _record_txid(self, entry: dict[str, Any]) -> None:
        request, reply = entry["request"], entry["reply"]
        if request.get("function") == "anchor" and "ok" in reply.get("result", {}):
            self._txids[request["args"][0]["buff"]] = simnet_txid(entry)

    def _replay(self) -> None:
        for number, entry in enumerate(self.journal.entries, start=1):
            reply = self.bridge.request(**entry["request"])
            if reply != entry["reply"]:
                raise JournalError(f"{self.journal.path}:{number}: replay answered {reply} but the journal recorded "
                                   f"{entry['reply']}; the journal or the contracts changed")
            self._record_txid(entry)

    def _mine(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send a block-mining command and journal it before anyone sees the answer."""
        entry = self.journal.append(request, self.bridge.request(**request))
        self._record_txid(entry)
        return entry["reply"]

    def call(self, contract: str, function: str, args: list[dict[str, Any]], sender: str) -> dict[str, Any]:
        """A public contract call (journalled). Returns {"result", "block_height", "events"}."""
        return self._mine({"cmd": "call", "contract": contract, "function": function, "args": args, "sender": sender})

    def read(self, contract: str, function: str, args: list[dict[str, Any]]) -> Any:
        return self.bridge.request("read", contract=contract, function=function, args=args, sender=self.deployer)["result"]

    def mine(self, blocks: int) -> int:
        """Mine empty blocks (journalled); returns the new block height."""
        return self._mine({"cmd": "mine", "blocks": blocks})["block_height"]

    def _expect_ok(self, contract: str, function: str, reply: dict[str, Any]) -> Any:
        result = reply["result"]
        if "err" in result:
            code = int(result["err"])
            raise AnchorRejected(function, code, self.errors.get(code, "unknown error"), f"{self.deployer}.{contract}")
        return result["ok"]

    def _ensure_facility(self) -> None:
        who = [{"principal": self.facility}]
        if self.read("user-identity", "get-identity", who) is None:
            reply = self.call("user-identity", "register",
                              [*who, {"uint": FACILITY_ROLE}, {"ascii": "genoflow simnet facility"}], self.deployer)
            self._expect_ok("user-identity", "register", reply)

    def _ensure_subscription(self) -> None:
        if not self.read("subscription-access", "is-active", [{"principal": self.facility}]):
            reply = self.call("subscription-access", "subscribe", [{"uint": SUBSCRIPTION_PERIODS}], self.facility)
            self._expect_ok("subscription-access", "subscribe", reply)

    # -- AnchorBackend ------------------------------------------------------------------------------
    def anchor(self, root: bytes, count: int, schema_version: str, manifest_cid: str) -> AnchorRecord:
        root_hex = check_anchor_input(root, count, schema_version, manifest_cid)
        self._ensure_subscription()
        reply = self.call("data-registry", "anchor",
                          [{"buff": root_hex}, {"uint": count}, {"ascii": schema_version}, {"ascii": manifest_cid}],
                          self.facility)
        result = reply["result"]
        if self.errors.get(int(result.get("err", -1))) == "ERR-ALREADY-ANCHORED":
            existing = self.lookup(root)
            assert existing is not None
            raise AlreadyAnchored(existing)
        self._expect_ok("data-registry", "anchor", reply)
        record = self.lookup(root)
        assert record is not None
        return record

    def lookup(self, root: bytes) -> AnchorRecord | None:
        root_hex = check_root(root)
        found = self.read("data-registry", "get-anchor", [{"buff": root_hex}])
        if found is None:
            return None
        return AnchorRecord.from_registry(root_hex, found, txid=self._txids.get(root_hex, ""),
                                          contract_id=self.contract_id)

    def revoke(self, root: bytes) -> None:
        """Revoke an anchor as the facility (journalled); AnchorRejected if the contract refuses."""
        reply = self.call("data-registry", "revoke", [{"buff": check_root(root)}], self.facility)
        self._expect_ok("data-registry", "revoke", reply)

    def close(self) -> None:
        try:
            self.bridge.close()
        finally:
            self.journal.close()

    def __enter__(self) -> SimnetBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
