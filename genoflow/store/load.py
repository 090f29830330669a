"""Loading finished batches (reports -> Parquet) and recording artifacts; both atomic and idempotent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from genoflow.report import Report
from genoflow.store.backend import Commit, Store, StoreError, check_batch_id
from genoflow.store.schema import BATCH_TABLES

Interval = tuple[int, int]


class ArtifactRow(BaseModel):
    """One file of a batch and what is known about it so far. Recording the same `name` again merges the
    non-empty fields (a later CID, receipt or anchor); a different sha256 for the same name replaces the row."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="file name within the batch, e.g. S1.report.json or receipts/root.json")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    sample_id: str | None = None
    kind: str | None = Field(None, description="report, vcf, bam, receipt, ...")
    bytes: int | None = Field(None, ge=0)
    cid: str | None = None
    merkle_root: str | None = None
    receipt: str | None = Field(None, description="receipt reference (file name, CID or JSON)")
    anchor_network: str | None = Field(None, description="e.g. stacks-testnet")
    anchor_txid: str | None = None
    anchor_block: int | None = None


@dataclass(frozen=True)
class LoadResult:
    batch_id: str
    rows: dict[str, int]
    replaced: bool


def load_batch(store: Store, batch_id: str, reports: Sequence[Report],
               patient_ids: Mapping[str, str] | None = None,
               artifacts: Sequence[ArtifactRow] | None = None,
               masks: Mapping[str, Sequence[Interval]] | None = None,
               metadata: Mapping[str, str] | None = None) -> LoadResult:
    """Load (or reload) one batch: all its rows become visible together or not at all.

    `patient_ids` (sample_id -> patient id) is stored only as a keyed hash. `masks` (sample_id -> list of
    1-based inclusive (start, end) reference intervals without usable coverage) feeds the SNP distances; a
    sample without an entry is taken as covered everywhere. Artifacts already recorded for the batch are kept
    and merged with `artifacts`.
    """
    check_batch_id(batch_id)
    store.require_current_schema()
    tables = batch_tables(store, batch_id, reports, patient_ids or {}, masks or {}, metadata or {})
    with store.writer():
        previous = store.commit_for(batch_id)
        tables["artifacts"] = _merged_artifacts(store, previous, batch_id, artifacts or [])
        write_tables_and_commit(store, batch_id, tables)
    return LoadResult(batch_id, {name: table.num_rows for name, table in tables.items()},
                      replaced=previous is not None and "samples" in previous.files)


def record_artifacts(store: Store, batch_id: str, rows: Sequence[ArtifactRow]) -> int:
    """Add or update artifact rows of a batch (files, sha256, then CIDs, receipts, anchors as they become
    known); the batch need not be loaded yet. Returns the number of artifact rows the batch now has."""
    check_batch_id(batch_id)
    store.require_current_schema()
    with store.writer():
        previous = store.commit_for(batch_id)
        merged = _merged_artifacts(store, previous, batch_id, rows)
        write_tables_and_commit(store, batch_id, {"artifacts": merged}, keep=previous.files if previous else {})
    return merged.num_rows


def load_report_dir(store: Store, directory: Path, batch_id: str,
                    patient_ids: Mapping[str, str] | None = None) -> LoadResult:
    """Load every `*.report.json` in `directory` as batch `batch_id` (see `load_report_files`)."""
    paths = sorted(Path(directory).glob("*.report.json"))
    if not paths:
        raise StoreError(f"{directory}: no *.report.json files")
    return load_report_files(store, batch_id, paths, patient_ids)


def load_report_files(store: Store, batch_id: str, paths: Sequence[Path],
                      patient_ids: Mapping[str, str] | None = None) -> LoadResult:
    """Load these `ID.report.json` files as one batch; an optional `ID.mask.bed` next to a report (BED: chrom,
    0-based start, end; written by `genoflow profile`) gives that sample's low-coverage intervals."""
    reports, masks = [], {}
    for path in map(Path, paths):
        try:
            report = Report.read(path)
        except (ValidationError, ValueError) as exc:
            raise StoreError(f"{path}: not a valid report ({str(exc).splitlines()[0]})") from exc
        reports.append(report)
        bed = path.with_name(path.name[: -len(".report.json")] + ".mask.bed")
        if bed.exists():
            masks[report.sample.sample_id] = read_mask_bed(bed)
    loaded = {r.sample.sample_id for r in reports}
    patient_ids = {sid: pid for sid, pid in (patient_ids or {}).items() if sid in loaded}
    return load_batch(store, batch_id, reports, patient_ids=patient_ids, masks=masks)


def read_mask_bed(path: Path) -> list[Interval]:
    """BED intervals (0-based start, exclusive end) as 1-based inclusive (start, end) tuples."""
    intervals = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.split("\t")
        try:
            start, end = int(fields[1]), int(fields[2])
        except (IndexError, ValueError):
            raise StoreError(f"{path}:{number}: expected 'chrom<TAB>start<TAB>end', got {line!r}") from None
        if not 0 <= start < end:
            raise StoreError(f"{path}:{number}: interval {start}-{end} is empty or negative")
        intervals.append((start + 1, end))
    return intervals


# -- reports -> tables ---------------------------------------------------------------------------------
def batch_tables(store: Store, batch_id: str, reports: Sequence[Report], patient_ids: Mapping[str, str],
                 masks: Mapping[str, Sequence[Interval]], metadata: Mapping[str, str]) -> dict[str, pa.Table]:
    """The rows of every per-batch table (except artifacts) for these reports, validated."""
    ids = [r.sample.sample_id for r in reports]
    if not reports:
        raise StoreError(f"batch {batch_id}: no reports to load")
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise StoreError(f"batch {batch_id}: duplicate sample ids {duplicates}")
    for report in reports:
        if report.sample.batch_id not in (None, batch_id):
            raise StoreError(f"sample {report.sample.sample_id}: report says batch {report.sample.batch_id!r}, "
                             f"loading as batch {batch_id!r}")
    for label, mapping in (("patient_ids", patient_ids), ("masks", masks)):
        unknown = sorted(set(mapping) - set(ids))
        if unknown:
            raise StoreError(f"batch {batch_id}: {label} names samples not in the batch: {unknown}")

    rows: dict[str, dict[str, list]] = {name: {f: [] for f in BATCH_TABLES[name].names} for name in BATCH_TABLES}

    def add(table: str, **values: object) -> None:
        columns = rows[table]
        for field in columns:
            columns[field].append(values.get(field))

    catalogues: dict[tuple[str, str, str], int] = {}
    for report in reports:
        s, key = report.sample, {"batch_id": batch_id, "sample_id": report.sample.sample_id}
        patient = patient_ids.get(s.sample_id)
        add("samples", **key, input_type=s.input_type, collection_date=s.collection_date, site=s.site,
            country=s.country, patient_hash=store.linkage_hash(patient) if patient else None,
            who_category=report.who_category, report_schema_version=report.schema_version,
            pipeline_version=report.pipeline.version, reference=report.pipeline.reference,
            catalogue_version=report.catalogue.version if report.catalogue else None,
            report_sha256=hashlib.sha256(report.to_json().encode()).hexdigest())
        qc = report.qc
        add("qc", **key, passed=qc.passed, reasons=list(qc.reasons), read_count=qc.read_count, bases=qc.bases,
            mean_read_length=qc.mean_read_length, mean_base_quality=qc.mean_base_quality,
            gc_content=qc.gc_content, mapped_fraction=qc.mapped_fraction, mean_depth=qc.mean_depth,
            breadth_1x=qc.breadth_1x, breadth_10x=qc.breadth_10x)
        for locus in qc.loci:
            add("qc_loci", **key, **locus.model_dump())
        for v in report.variants:
            add("variants", **key, **v.model_dump())
        for call in report.drugs:
            add("drug_calls", **key, drug=call.drug, call=call.call, missing=list(call.missing))
            for ev in call.evidence:
                add("drug_evidence", **key, drug=call.drug, call=call.call, **ev.model_dump())
        for start, end in sorted(masks.get(s.sample_id, [])):
            if not 1 <= start <= end:
                raise StoreError(f"sample {s.sample_id}: mask interval ({start}, {end}) is not 1-based start <= end")
            add("masked_regions", **key, start=start, end=end)
        if report.catalogue:
            c = report.catalogue
            catalogues[(c.name, c.version, c.schema_version)] = catalogues.get((c.name, c.version, c.schema_version), 0) + 1
    for (name, version, schema_version), count in sorted(catalogues.items()):
        add("catalogue_versions", batch_id=batch_id, name=name, version=version, schema_version=schema_version,
            samples=count)
    add("batches", batch_id=batch_id, loaded_at=_now(), samples=len(reports),
        samples_passed_qc=sum(r.qc.passed for r in reports), metadata_json=json.dumps(dict(metadata), sort_keys=True))
    return {name: pa.table(columns, schema=BATCH_TABLES[name]) for name, columns in rows.items()
            if name != "artifacts"}


# -- artifacts -----------------------------------------------------------------------------------------
def _merged_artifacts(store: Store, previous: Commit | None, batch_id: str, rows: Sequence[ArtifactRow]) -> pa.Table:
    """The batch's committed artifact rows updated with `rows` (merge by name; a new sha256 replaces the row)."""
    schema = BATCH_TABLES["artifacts"]
    by_name: dict[str, dict] = {r["name"]: r for r in _read_artifacts(store, previous).to_pylist()}
    now = _now()
    for row in rows:
        new = row.model_dump()
        old = by_name.get(row.name)
        if old is not None and old["sha256"] == row.sha256:
            merged = {**old, **{k: v for k, v in new.items() if v is not None}}
            if merged != old:
                merged["recorded_at"] = now
        else:
            merged = {**new, "batch_id": batch_id, "recorded_at": now}
        by_name[row.name] = merged
    return pa.Table.from_pylist([by_name[name] for name in sorted(by_name)], schema=schema)


def _read_artifacts(store: Store, commit: Commit | None) -> pa.Table:
    schema = BATCH_TABLES["artifacts"]
    relative = commit.files.get("artifacts") if commit else None
    if relative is None:
        return schema.empty_table()
    with store.fs.open(store._path(relative), "rb") as handle:
        return pq.read_table(handle).cast(schema)


def write_tables_and_commit(store: Store, unit: str, tables: Mapping[str, pa.Table],
                      keep: Mapping[str, str] | None = None) -> None:
    """Write every table as a new file, then commit them (with the `keep` files of other tables) together;
    on any failure before the commit file names them, delete what was written. A failure after that (e.g. an
    interrupt while the replaced files are deleted) keeps them: they are live, and `vacuum` removes leftovers."""
    written: list[str] = []
    try:
        files = dict(keep or {})
        for name, table in tables.items():
            files[name] = write_part(store, name, unit, table)
            written.append(files[name])
    except BaseException:
        store.delete(written)
        raise
    try:
        store.commit(unit, files, _now().isoformat())
    except BaseException:
        if not _is_committed(store, unit, written):
            store.delete(written)
        raise


def _is_committed(store: Store, unit: str, written: list[str]) -> bool:
    """Whether the commit file of `unit` already names the newly written files."""
    current = store.commit_for(unit)
    return current is not None and bool(set(written) & set(current.files.values()))


def write_part(store: Store, table: str, unit: str, data: pa.Table) -> str:
    """One step of a load (a seam for tests that inject a failure halfway)."""
    return store.write_part(table, unit, data)


def _now() -> datetime:
    return datetime.now(timezone.utc)

