"""`ID.receipt.json`: everything an auditor needs to tie one sample's bundle to an anchored batch root.

JSON Schema: docs/receipt.schema.json (`receipt_json_schema()`; a test keeps it current).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from genoflow.atomic import write_atomic

from .merkle import ProofStep

RECEIPT_VERSION = "1"
RECEIPT_SUFFIX = ".receipt.json"
_HEX32 = r"^[0-9a-f]{64}$"


class ReceiptError(ValueError):
    """A receipt file that cannot be read or does not match the receipt schema."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BundleInfo(_Model):
    name: str = Field(description="bundle file name, ID.bundle.tar")
    sha256: str = Field(pattern=_HEX32, description="sha256 of the (unencrypted) bundle bytes")
    bytes: int = Field(ge=0)
    members: dict[str, str] = Field(description="member file name -> sha256 (ID.report.json, ID.vcf)")
    cid: str = Field(description="CIDv1 (base32, raw leaves) of the pinned bytes")
    encrypted: bool = Field(description="pinned bytes are the AES-GCM sealed bundle (key kept by the facility)")


class PathStep(_Model):
    side: Literal["left", "right"] = Field(description="where the sibling sits relative to the running hash")
    hash: str = Field(pattern=_HEX32)

    def to_step(self) -> ProofStep:
        return ProofStep(self.side, bytes.fromhex(self.hash))


class AnchorInfo(_Model):
    backend: str = Field(description="simnet, or the Stacks network the registry lives on")
    contract_id: str
    registrant: str | None = None
    txid: str | None = Field(None, description="anchoring transaction, when known")
    block_height: int | None = None


class Receipt(_Model):
    receipt_version: Literal["1"] = RECEIPT_VERSION
    sample_id: str
    batch_id: str
    schema_version: str = Field(description="report schema version, as anchored")
    bundle: BundleInfo
    salt: str = Field(pattern=_HEX32, description="random per-sample salt (hex)")
    leaf: str = Field(pattern=_HEX32, description="sha256(0x00 || salt || sha256(bundle))")
    leaf_index: int = Field(ge=0)
    count: int = Field(ge=1, description="leaves in the batch tree")
    path: list[PathStep] = Field(description="siblings from the leaf up; node = sha256(0x01 || left || right)")
    root: str = Field(pattern=_HEX32)
    manifest_cid: str = Field(description="CID of the batch manifest (sample CIDs and leaves), anchored with the root")
    anchor: AnchorInfo

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    def write(self, path: Path) -> Path:
        return write_atomic(Path(path), self.to_json())

    @classmethod
    def read(cls, path: Path) -> "Receipt":
        try:
            return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ReceiptError(f"{path}: cannot read receipt ({exc.strerror})") from None
        except (ValidationError, ValueError) as exc:
            raise ReceiptError(f"{path}: not a valid receipt ({str(exc).splitlines()[0]}; "
                               f"{_first_error(exc)})") from None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return str(exc)


def receipt_json_schema() -> str:
    """The Receipt JSON Schema as exported to docs/receipt.schema.json."""
    schema = Receipt.model_json_schema()
    schema["$id"] = f"https://genoflow.invalid/schema/receipt/{RECEIPT_VERSION}"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"

