"""Provable results: de-identified result bundles, salted Merkle batch receipts, one anchor per batch, verify.

    receipts = publish_batch(outdir, "B1", pin_backend=open_backend("local:///store/ipfs"),
                             anchor_backend=genoflow.anchor.open_backend("simnet", state_dir))
    result = verify_sample(load_target(report_path), Receipt.read(receipt_path), anchor_backend=..., pin_backend=...)
"""

from .bundle import Bundle, BundleError, build_bundle, bundle_from_report_file, deidentify, read_bundle, sanitize_vcf
from .crypto import CryptoError, load_key, load_or_create_key, open_sealed, seal
from .merkle import MerkleError, MerkleTree, ProofStep, leaf_hash, node_hash, root_from_proof
from .publish import PublishError, publish_batch
from .receipt import Receipt, ReceiptError, receipt_json_schema
from .verify import Verification, VerifyInputError, load_target, verify_sample

__all__ = [
    "Bundle", "BundleError", "CryptoError", "MerkleError", "MerkleTree", "ProofStep", "PublishError",
    "Receipt", "ReceiptError", "Verification", "VerifyInputError", "build_bundle", "bundle_from_report_file",
    "deidentify", "leaf_hash", "load_key", "load_or_create_key", "load_target", "node_hash", "open_sealed",
    "publish_batch", "read_bundle", "receipt_json_schema", "root_from_proof", "sanitize_vcf", "seal", "verify_sample",
]
