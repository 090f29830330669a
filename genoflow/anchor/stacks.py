"""`stacks` anchor backend: a signed contract-call to the data-registry on a real Stacks network.

Signing happens offline in Node with @stacks/transactions (contracts/bridge/stacks-signer.mjs), with the fee
and nonce given; everything that touches the network is plain HTTP from here:

- lookup and the pre-flight check: POST {api}/v2/contracts/call-read/{address}/{name}/{function}. The
  contract's read-only `check-anchor` makes every check `anchor` would, so a duplicate root (or a caller the
  contract would refuse) raises before anything is signed: a refused anchor never pays a fee.
- nonce: GET {api}/extended/v1/address/{sender}/nonces (`possible_next_nonce`, which counts the mempool),
  falling back to GET {api}/v2/accounts/{sender}.
- broadcast: POST {api}/v2/transactions with {"tx": hex}, as @stacks/transactions' broadcastTransaction does.
- confirmation: GET {api}/extended/v1/tx/0x{txid}, polled every `poll_interval` s for at most `confirm_timeout` s.

The ledger (`stacks-ledger.jsonl` in `state_dir`) gets the signed transaction before it is broadcast, then
"broadcast" and its final status. A later `anchor()` of a root whose last transaction has no final status
re-broadcasts that same transaction and confirms it, so a lost reply or a timeout never costs a second fee.

The private key is read from the environment variable named by `key_env` (GENOFLOW_STACKS_KEY), handed only
to the signer process's environment, and never logged or put in a message. Lookups need no key.

No Stacks node can run on the development machines (it needs Docker), so this backend is tested only against
a loopback HTTP server on 127.0.0.1 that speaks these endpoints and executes the signed transactions in the
Clarinet simnet (tests/anchor/fake_stacks_node.py) - not against a real node.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import httpx

from genoflow.anchor.base import (
    AlreadyAnchored, AnchorError, AnchorRecord, AnchorRejected, AnchorTimeout, check_anchor_input, check_root,
)
from genoflow.anchor.node import NodeProcess, contract_errors, contracts_dir

log = logging.getLogger(__name__)
LEDGER_NAME = "stacks-ledger.jsonl"


class BroadcastRejected(AnchorError):
    """The node answered a broadcast with an HTTP error: it refused the transaction."""


class StacksBackend:
    """AnchorBackend for a deployed data-registry; `state_dir` keeps a ledger of this client's transactions."""

    def __init__(self, state_dir: Path, *, api_url: str, contract_id: str, network: str = "mainnet",
                 fee: int = 10_000, key_env: str = "GENOFLOW_STACKS_KEY", confirm_timeout: float = 1800.0,
                 poll_interval: float = 10.0, http_timeout: float = 30.0, project: Path | None = None,
                 node: str = "node") -> None:
        if contract_id.count(".") != 1:
            raise ValueError(f"contract id must be ADDRESS.data-registry, got {contract_id!r}")
        self.contract_id = contract_id
        self.contract_address, self.contract_name = contract_id.split(".")
        self.api_url = api_url.rstrip("/")
        self.network, self.fee, self.key_env = network, fee, key_env
        self.confirm_timeout, self.poll_interval = confirm_timeout, poll_interval
        self.project = contracts_dir(project)
        self.errors = contract_errors(self.project)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.ledger_path = state_dir / LEDGER_NAME
        self.http = httpx.Client(timeout=http_timeout)
        env = {"GENOFLOW_STACKS_KEY": os.environ.get(key_env, "")}
        self.signer = NodeProcess(self.project / "bridge" / "stacks-signer.mjs", [],
                                  log_path=state_dir / "stacks-signer.log", env=env, node=node)
        self._sender: str | None = None

    # -- helpers ------------------------------------------------------------------------------------
    @property
    def sender(self) -> str:
        """The address of the configured key (AnchorError if no key is set)."""
        if self._sender is None:
            if not os.environ.get(self.key_env):
                raise AnchorError(f"{self.key_env} is not set: anchoring on Stacks needs the facility's private key")
            self._sender = self.signer.request("address", network=self.network)["address"]
        return self._sender

    def _url(self, path: str) -> str:
        return f"{self.api_url}{path}"

    def _json(self, response: httpx.Response, what: str) -> Any:
        if response.status_code >= 400:
            raise AnchorError(f"{what}: {response.request.url} answered HTTP {response.status_code}: {response.text[:300]}")
        return response.json()

    def call_read(self, function: str, args: list[dict[str, Any]], sender: str | None = None) -> Any:
        """A read-only call of the data-registry, decoded to JSON (see bridge/clarity-json.mjs)."""
        encoded = self.signer.request("encode", args=args)["hex"]
        url = self._url(f"/v2/contracts/call-read/{self.contract_address}/{self.contract_name}/{function}")
        try:
            body = self._json(self.http.post(url, json={"sender": sender or self.contract_address, "arguments": encoded}),
                              f"read-only {function}")
        except httpx.HTTPError as exc:
            raise AnchorError(f"read-only {function}: {url}: {exc}") from exc
        if not body.get("okay"):
            raise AnchorError(f"read-only {function} at {url} failed: {body.get('cause', body)}")
        return self.signer.request("decode", hex=body["result"])["value"]

    def _refusal(self, function: str, code: int) -> AnchorRejected:
        return AnchorRejected(function, code, self.errors.get(code, "unknown error"), self.contract_id)

    def _next_nonce(self) -> int:
        try:
            response = self.http.get(self._url(f"/extended/v1/address/{self.sender}/nonces"))
            if response.status_code != 404:
                return int(self._json(response, "nonce")["possible_next_nonce"])
            return int(self._json(self.http.get(self._url(f"/v2/accounts/{self.sender}"), params={"proof": 0}),
                                  "account")["nonce"])
        except httpx.HTTPError as exc:
            raise AnchorError(f"nonce for {self.sender} from {self.api_url}: {exc}") from exc

    def _ledger(self, **entry: Any) -> None:
        with open(self.ledger_path, "ab") as out:
            # a crash mid-write can leave a last line without its newline: start on a fresh line
            torn = out.tell() > 0 and self.ledger_path.read_bytes()[-1:] != b"\n"
            out.write((("\n" if torn else "") + json.dumps(entry, sort_keys=True) + "\n").encode())
            out.flush()
            os.fsync(out.fileno())

    def _ledger_entries(self, root_hex: str) -> list[dict[str, Any]]:
        """This root's ledger entries, oldest first; a line that does not parse (torn write) is skipped."""
        if not self.ledger_path.exists():
            return []
        entries = []
        for number, line in enumerate(self.ledger_path.read_text().splitlines(), start=1):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s line %d is not JSON (torn write?); skipped", self.ledger_path, number)
                continue
            if isinstance(entry, dict) and entry.get("root") == root_hex:
                entries.append(entry)
        return entries

    def _known_txid(self, root_hex: str) -> str:
        successes = [e["txid"] for e in self._ledger_entries(root_hex) if e.get("status") == "success"]
        return successes[-1] if successes else ""

    def _unsettled(self, root_hex: str) -> tuple[str, str] | None:
        """(txid, tx_hex) of this root's signed transaction with no final outcome yet, if any ("" if no hex)."""
        entries = self._ledger_entries(root_hex)
        if not entries or entries[-1].get("status") not in ("signed", "broadcast"):
            return None
        txid = entries[-1]["txid"]
        hexes = [e["tx_hex"] for e in entries if e.get("txid") == txid and e.get("tx_hex")]
        return txid, (hexes[-1] if hexes else "")

    def _broadcast(self, tx_hex: str) -> str:
        """POST the transaction; its txid as the node reports it. BroadcastRejected if the node refuses it,
        AnchorError if no reply arrives (the node may or may not have it)."""
        url = self._url("/v2/transactions")
        try:
            response = self.http.post(url, json={"tx": tx_hex})
        except httpx.HTTPError as exc:
            raise AnchorError(f"broadcast to {url}: {exc}") from exc
        if response.status_code >= 400:
            raise BroadcastRejected(f"broadcast to {url} rejected (HTTP {response.status_code}): {response.text[:300]}")
        return response.text.strip().strip('"').removeprefix("0x")

    def _confirm(self, txid: str) -> dict[str, Any]:
        url = self._url(f"/extended/v1/tx/0x{txid}")
        started, status = time.monotonic(), "not yet indexed"
        while True:
            try:
                response = self.http.get(url)
                if response.status_code != 404:
                    body = self._json(response, "transaction status")
                    status = body["tx_status"]
                    if status != "pending":
                        return body
            except httpx.HTTPError as exc:  # a flaky indexer is retried until the bound
                status = f"unreachable ({exc})"
            waited = time.monotonic() - started
            if waited >= self.confirm_timeout:
                raise AnchorTimeout(txid, waited, status)
            time.sleep(min(self.poll_interval, max(self.confirm_timeout - waited, 0.0)))

    # -- AnchorBackend ------------------------------------------------------------------------------
    def lookup(self, root: bytes) -> AnchorRecord | None:
        root_hex = check_root(root)
        found = self.call_read("get-anchor", [{"buff": root_hex}])
        if found is None:
            return None
        return AnchorRecord.from_registry(root_hex, found, txid=self._known_txid(root_hex),
                                          contract_id=self.contract_id)

    def anchor(self, root: bytes, count: int, schema_version: str, manifest_cid: str) -> AnchorRecord:
        """Anchor `root`. A transaction this client signed earlier for `root` whose outcome it never learned
        (lost broadcast reply, confirmation timeout) is re-broadcast and confirmed instead of signing and paying
        for a new one."""
        root_hex = check_anchor_input(root, count, schema_version, manifest_cid)
        unsettled = self._unsettled(root_hex)
        if unsettled is not None:
            return self._resume(root, root_hex, *unsettled)
        args = [{"buff": root_hex}, {"uint": count}, {"ascii": schema_version}, {"ascii": manifest_cid}]
        existing = self.lookup(root)
        if existing is not None:
            raise AlreadyAnchored(existing)
        verdict = self.call_read("check-anchor", [{"principal": self.sender}, *args], sender=self.sender)
        if "err" in verdict:
            raise self._refusal("anchor", int(verdict["err"]))
        nonce = self._next_nonce()
        signed = self.signer.request("sign_call", contract_address=self.contract_address, contract_name=self.contract_name,
                                     function="anchor", args=args, fee=self.fee, nonce=nonce, network=self.network)
        txid = signed["txid"]
        # written before broadcasting: if the reply is lost, the next call re-sends this very transaction
        self._ledger(root=root_hex, txid=txid, nonce=nonce, fee=self.fee, tx_hex=signed["tx_hex"], status="signed")
        try:
            answered = self._broadcast(signed["tx_hex"])
        except BroadcastRejected:
            self._ledger(root=root_hex, txid=txid, status="rejected")
            raise
        if answered != txid:
            raise AnchorError(f"node answered txid {answered} for a transaction whose txid is {txid}")
        self._ledger(root=root_hex, txid=txid, nonce=nonce, fee=self.fee, status="broadcast")
        log.info("anchor of %s broadcast as 0x%s (nonce %d, fee %d uSTX)", root_hex, txid, nonce, self.fee)
        return self._settle(root, root_hex, txid)

    def _resume(self, root: bytes, root_hex: str, txid: str, tx_hex: str) -> AnchorRecord:
        """Re-broadcast (same bytes, same txid) and confirm a transaction whose outcome was never learned."""
        log.info("anchor of %s: resuming unconfirmed transaction 0x%s instead of signing a new one", root_hex, txid)
        if tx_hex:
            try:
                self._broadcast(tx_hex)
            except BroadcastRejected as refused:  # expected when the node already has it (mempool or mined)
                log.info("re-broadcast of 0x%s refused (%s); confirming it by txid", txid, refused)
        return self._settle(root, root_hex, txid)

    def _settle(self, root: bytes, root_hex: str, txid: str) -> AnchorRecord:
        """Wait for `txid`'s outcome, record it in the ledger, and return the anchor or raise its refusal."""
        outcome = self._confirm(txid)
        self._ledger(root=root_hex, txid=txid, status=outcome["tx_status"], block_height=outcome.get("block_height"))
        if outcome["tx_status"] != "success":
            repr_ = outcome.get("tx_result", {}).get("repr", "")
            code = int(repr_.removeprefix("(err u").removesuffix(")")) if repr_.startswith("(err u") else -1
            if self.errors.get(code) == "ERR-ALREADY-ANCHORED":  # lost a race with another anchoring of this root
                raise AlreadyAnchored(self.lookup(root))  # type: ignore[arg-type]
            raise AnchorError(f"transaction 0x{txid} ended {outcome['tx_status']} {repr_}".rstrip())
        record = self.lookup(root)
        if record is None:
            raise AnchorError(f"transaction 0x{txid} succeeded but {self.contract_id} has no record of {root_hex}")
        return record

    def close(self) -> None:
        self.signer.close()
        self.http.close()

    def __enter__(self) -> StacksBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
