"""Arrow schemas of every store table, and the store's schema version.

Per-batch tables live under `<table>/batch=<id>/part-<load id>.parquet`; derived tables (recomputed from all
batches by the surveillance refresh) under `<table>/part-<load id>.parquet`. Which files are live is decided
by the commit files in `_commits/` (see `genoflow.store.backend`), never by listing directories.
"""

from __future__ import annotations

import pyarrow as pa

STORE_SCHEMA_VERSION = 1

_STR = pa.string()
_KEY = [pa.field("batch_id", _STR, nullable=False), pa.field("sample_id", _STR, nullable=False)]

BATCH_TABLES: dict[str, pa.Schema] = {
    "batches": pa.schema([
        pa.field("batch_id", _STR, nullable=False),
        pa.field("loaded_at", pa.timestamp("us", tz="UTC")),
        pa.field("samples", pa.int32()),
        pa.field("samples_passed_qc", pa.int32()),
        pa.field("metadata_json", _STR),
    ]),
    "samples": pa.schema(_KEY + [
        pa.field("input_type", _STR),
        pa.field("collection_date", pa.date32()),
        pa.field("site", _STR),
        pa.field("country", _STR),
        pa.field("patient_hash", _STR),
        pa.field("who_category", _STR),
        pa.field("report_schema_version", _STR),
        pa.field("pipeline_version", _STR),
        pa.field("reference", _STR),
        pa.field("catalogue_version", _STR),
        pa.field("report_sha256", _STR),
    ]),
    "qc": pa.schema(_KEY + [
        pa.field("passed", pa.bool_()),
        pa.field("reasons", pa.list_(_STR)),
        pa.field("read_count", pa.int64()),
        pa.field("bases", pa.int64()),
        pa.field("mean_read_length", pa.float64()),
        pa.field("mean_base_quality", pa.float64()),
        pa.field("gc_content", pa.float64()),
        pa.field("mapped_fraction", pa.float64()),
        pa.field("mean_depth", pa.float64()),
        pa.field("breadth_1x", pa.float64()),
        pa.field("breadth_10x", pa.float64()),
    ]),
    "qc_loci": pa.schema(_KEY + [
        pa.field("locus", _STR),
        pa.field("chrom", _STR),
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
        pa.field("mean_depth", pa.float64()),
        pa.field("min_depth", pa.int32()),
        pa.field("fraction_at_min_depth", pa.float64()),
    ]),
    "variants": pa.schema(_KEY + [
        pa.field("chrom", _STR),
        pa.field("pos", pa.int32()),
        pa.field("ref", _STR),
        pa.field("alt", _STR),
        pa.field("depth", pa.int32()),
        pa.field("af", pa.float32()),
        pa.field("qual", pa.float32()),
        pa.field("filter", _STR),
        pa.field("minority", pa.bool_()),
        pa.field("gene", _STR),
        pa.field("hgvs", _STR),
        pa.field("name", _STR),
        pa.field("effect", _STR),
    ]),
    "drug_calls": pa.schema(_KEY + [
        pa.field("drug", _STR),
        pa.field("call", _STR),
        pa.field("missing", pa.list_(_STR)),
    ]),
    "drug_evidence": pa.schema(_KEY + [
        pa.field("drug", _STR),
        pa.field("call", _STR),
        pa.field("variant", _STR),
        pa.field("grade", _STR),
        pa.field("af", pa.float32()),
        pa.field("source", _STR),
        pa.field("heteroresistant", pa.bool_()),
    ]),
    "masked_regions": pa.schema(_KEY + [
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
    ]),
    "catalogue_versions": pa.schema([
        pa.field("batch_id", _STR, nullable=False),
        pa.field("name", _STR),
        pa.field("version", _STR),
        pa.field("schema_version", _STR),
        pa.field("samples", pa.int32()),
    ]),
    "artifacts": pa.schema([
        pa.field("batch_id", _STR, nullable=False),
        pa.field("name", _STR, nullable=False),
        pa.field("sha256", _STR, nullable=False),
        pa.field("sample_id", _STR),
        pa.field("kind", _STR),
        pa.field("bytes", pa.int64()),
        pa.field("cid", _STR),
        pa.field("merkle_root", _STR),
        pa.field("receipt", _STR),
        pa.field("anchor_network", _STR),
        pa.field("anchor_txid", _STR),
        pa.field("anchor_block", pa.int64()),
        pa.field("recorded_at", pa.timestamp("us", tz="UTC")),
    ]),
}

DERIVED_TABLES: dict[str, pa.Schema] = {
    "snp_distances": pa.schema([
        pa.field("sample_a", _STR, nullable=False),
        pa.field("sample_b", _STR, nullable=False),
        pa.field("distance", pa.int32()),
    ]),
    "clusters": pa.schema([
        pa.field("sample_id", _STR, nullable=False),
        pa.field("cluster_id", _STR),
        pa.field("cluster_size", pa.int32()),
        pa.field("threshold", pa.int32()),
        pa.field("computed_at", pa.timestamp("us", tz="UTC")),
    ]),
}

TABLES: dict[str, pa.Schema] = {**BATCH_TABLES, **DERIVED_TABLES}
