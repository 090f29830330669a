"""Surveillance queries: DuckDB (in memory, read-only views over the committed Parquet files).

Every user value travels as a bound parameter; the only SQL text assembled here comes from fixed whitelists
(grouping columns), never from arguments. Counts are per sample row; by default only samples that passed QC
count, and a drug's denominator is its determinate calls (R or S) — U and F are reported as `undetermined`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Literal

import duckdb
import pandas as pd

from genoflow.store.backend import Store
from genoflow.store.schema import TABLES
from genoflow.store.stats import wilson_interval

Grouping = Literal["drug", "site", "country", "month", "batch"]
_POS_REF_ALT = re.compile(r"^(\d+):([ACGTN]+)>([ACGTN]+)$", re.IGNORECASE)
_GROUPS: dict[str, str] = {
    "drug": "d.drug",
    "site": "s.site",
    "country": "s.country",
    "month": "strftime(s.collection_date, '%Y-%m')",
    "batch": "s.batch_id",
}


@contextmanager
def connect(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with one view per store table over its live Parquet files.

    All files of a table share its schema (a migration rewrites files when a schema changes), so the views
    do not reconcile schemas by name (that would read every file's footer up front: 0.4 s at 100 batches)."""
    store.require_current_schema()
    con = duckdb.connect(":memory:")
    try:
        prefix = ""
        if not store.is_local:
            con.register_filesystem(store.fs)
            protocol = store.fs.protocol if isinstance(store.fs.protocol, str) else store.fs.protocol[0]
            prefix = f"{protocol}://"
        files_by_table: dict[str, list[str]] = {name: [] for name in TABLES}
        for commit in store.commits():
            for table, relative in commit.files.items():
                if table in files_by_table:
                    files_by_table[table].append(prefix + store._path(relative))
        for table, files in files_by_table.items():
            if files:
                con.read_parquet(files, hive_partitioning=False).create_view(table)
            else:
                con.register(table, TABLES[table].empty_table())
        yield con
    finally:
        con.close()


def _sample_filter(sites: Sequence[str] | None, countries: Sequence[str] | None, batches: Sequence[str] | None,
                   start: date | None, end: date | None, include_failed_qc: bool) -> tuple[str, list]:
    """WHERE clause over samples `s` and qc `q`, as fixed SQL plus bound parameters."""
    sql = """(?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], s.site))
         AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], s.country))
         AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], s.batch_id))
         AND (?::DATE IS NULL OR s.collection_date >= ?::DATE)
         AND (?::DATE IS NULL OR s.collection_date <= ?::DATE)
         AND (? OR q.passed)"""
    sites, countries, batches = (list(x) if x else None for x in (sites, countries, batches))
    return sql, [sites, sites, countries, countries, batches, batches, start, start, end, end, include_failed_qc]


def prevalence(store: Store, by: Sequence[Grouping] = ("drug", "site", "month"), drugs: Sequence[str] | None = None,
               sites: Sequence[str] | None = None, countries: Sequence[str] | None = None,
               batches: Sequence[str] | None = None, start: date | None = None, end: date | None = None,
               include_failed_qc: bool = False, confidence: float = 0.95) -> pd.DataFrame:
    """Resistance prevalence (R / (R + S)) per group with Wilson confidence intervals."""
    unknown = [g for g in by if g not in _GROUPS]
    if unknown or not by:
        raise ValueError(f"group by must be some of {sorted(_GROUPS)}, got {list(by)}")
    keys = ", ".join(f"{_GROUPS[g]} AS {g}" for g in by)
    where, params = _sample_filter(sites, countries, batches, start, end, include_failed_qc)
    sql = f"""
        SELECT {keys},
               count(*) FILTER (WHERE d.call IN ('R', 'S')) AS tested,
               count(*) FILTER (WHERE d.call = 'R') AS resistant,
               count(*) FILTER (WHERE d.call NOT IN ('R', 'S')) AS undetermined
        FROM drug_calls d
        JOIN samples s USING (batch_id, sample_id)
        JOIN qc q USING (batch_id, sample_id)
        WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], d.drug)) AND {where}
        GROUP BY ALL
        ORDER BY ALL"""
    drugs = list(drugs) if drugs else None
    with connect(store) as con:
        frame = con.execute(sql, [drugs, drugs, *params]).df()
    low, high = wilson_interval(frame["resistant"].to_numpy(), frame["tested"].to_numpy(), confidence)
    with_ci = frame.assign(prevalence=frame["resistant"] / frame["tested"].where(frame["tested"] > 0),
                           ci_low=low, ci_high=high)
    return with_ci.astype({"tested": "int64", "resistant": "int64", "undetermined": "int64"})


def top_mutations(store: Store, drugs: Sequence[str] | None = None, limit: int = 10,
                  sites: Sequence[str] | None = None, countries: Sequence[str] | None = None,
                  batches: Sequence[str] | None = None, start: date | None = None, end: date | None = None,
                  include_failed_qc: bool = False) -> pd.DataFrame:
    """Per drug, the evidence variants most often behind resistant (R) calls, with their share of R calls."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    where, params = _sample_filter(sites, countries, batches, start, end, include_failed_qc)
    drugs = list(drugs) if drugs else None
    sql = f"""
        WITH r AS (
            SELECT d.drug, d.batch_id, d.sample_id
            FROM drug_calls d JOIN samples s USING (batch_id, sample_id) JOIN qc q USING (batch_id, sample_id)
            WHERE d.call = 'R' AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], d.drug)) AND {where}),
        totals AS (SELECT drug, count(*) AS resistant FROM r GROUP BY drug),
        ev AS (
            SELECT e.drug, e.variant, min(e.grade) AS grade,
                   count(DISTINCT (e.batch_id, e.sample_id)) AS samples,
                   count(DISTINCT (e.batch_id, e.sample_id)) FILTER (WHERE e.heteroresistant) AS heteroresistant
            FROM drug_evidence e JOIN r USING (drug, batch_id, sample_id)
            GROUP BY e.drug, e.variant)
        SELECT ev.drug, row_number() OVER (PARTITION BY ev.drug ORDER BY ev.samples DESC, ev.variant) AS rank,
               ev.variant, ev.grade, ev.samples, ev.heteroresistant, totals.resistant AS resistant_samples,
               ev.samples / totals.resistant AS share_of_resistant
        FROM ev JOIN totals USING (drug)
        QUALIFY rank <= ?
        ORDER BY ev.drug, rank"""
    with connect(store) as con:
        return con.execute(sql, [drugs, drugs, *params, limit]).df()


def who_categories(store: Store, by_site: bool = False, sites: Sequence[str] | None = None,
                   countries: Sequence[str] | None = None, batches: Sequence[str] | None = None,
                   start: date | None = None, end: date | None = None,
                   include_failed_qc: bool = False) -> pd.DataFrame:
    """Samples per WHO resistance category per month (optionally per site), with the share of the month."""
    where, params = _sample_filter(sites, countries, batches, start, end, include_failed_qc)
    site_key = "s.site AS site," if by_site else ""
    partition = "month, site" if by_site else "month"
    sql = f"""
        SELECT strftime(s.collection_date, '%Y-%m') AS month, {site_key}
               coalesce(s.who_category, 'not determined') AS who_category, count(*) AS samples
        FROM samples s JOIN qc q USING (batch_id, sample_id)
        WHERE {where}
        GROUP BY ALL"""
    sql = f"""SELECT *, samples / sum(samples) OVER (PARTITION BY {partition}) AS share
              FROM ({sql}) ORDER BY ALL"""
    with connect(store) as con:
        return con.execute(sql, params).df()


def qc_failures(store: Store, sites: Sequence[str] | None = None, countries: Sequence[str] | None = None,
                batches: Sequence[str] | None = None, start: date | None = None,
                end: date | None = None) -> pd.DataFrame:
    """Samples that failed QC, with the reasons and the key metrics."""
    where, params = _sample_filter(sites, countries, batches, start, end, include_failed_qc=True)
    sql = f"""
        SELECT s.batch_id, s.sample_id, s.site, s.collection_date, array_to_string(q.reasons, '; ') AS reasons,
               q.read_count, q.mapped_fraction, q.mean_depth, q.breadth_10x
        FROM samples s JOIN qc q USING (batch_id, sample_id)
        WHERE NOT q.passed AND {where}
        ORDER BY s.batch_id, s.sample_id"""
    with connect(store) as con:
        return con.execute(sql, params).df()


def samples_with_variant(store: Store, variant: str, include_minority: bool = True,
                         sites: Sequence[str] | None = None, countries: Sequence[str] | None = None,
                         batches: Sequence[str] | None = None, start: date | None = None,
                         end: date | None = None, include_failed_qc: bool = False) -> pd.DataFrame:
    """Isolates carrying a variant, by catalogue name (`rpoB_p.Ser450Leu`) or `pos:ref>alt` (`761155:C>T`)."""
    where, params = _sample_filter(sites, countries, batches, start, end, include_failed_qc)
    spelled = _POS_REF_ALT.match(variant)
    if spelled:
        match, match_params = "v.pos = ? AND v.ref = ? AND v.alt = ?", [int(spelled[1]), spelled[2].upper(), spelled[3].upper()]
    else:
        match, match_params = "v.name = ?", [variant]
    sql = f"""
        SELECT s.batch_id, s.sample_id, s.site, s.country, s.collection_date, v.pos, v.ref, v.alt, v.name,
               v.af, v.depth, v.minority
        FROM variants v JOIN samples s USING (batch_id, sample_id) JOIN qc q USING (batch_id, sample_id)
        WHERE {match} AND (? OR NOT v.minority) AND {where}
        ORDER BY s.collection_date, s.batch_id, s.sample_id"""
    with connect(store) as con:
        return con.execute(sql, [*match_params, include_minority, *params]).df()


def batches_summary(store: Store) -> pd.DataFrame:
    """Loaded batches: when, how many samples, how many passed QC, date range and sites covered."""
    sql = """
        SELECT b.batch_id, b.loaded_at, b.samples, b.samples_passed_qc,
               min(s.collection_date) AS first_collected, max(s.collection_date) AS last_collected,
               count(DISTINCT s.site) AS sites, b.metadata_json AS metadata
        FROM batches b LEFT JOIN samples s USING (batch_id)
        GROUP BY ALL ORDER BY b.batch_id"""
    with connect(store) as con:
        return con.execute(sql).df()


def cluster_summary(store: Store, min_size: int = 2) -> pd.DataFrame:
    """Transmission clusters from the last refresh: size, sites, collection span and members."""
    sql = """
        SELECT c.cluster_id, any_value(c.cluster_size) AS size, any_value(c.threshold) AS threshold,
               string_agg(DISTINCT s.site, ', ' ORDER BY s.site) AS sites,
               min(s.collection_date) AS first_collected, max(s.collection_date) AS last_collected,
               string_agg(c.sample_id, ', ' ORDER BY c.sample_id) AS samples
        FROM clusters c LEFT JOIN (SELECT DISTINCT sample_id, site, collection_date FROM samples) s USING (sample_id)
        WHERE c.cluster_size >= ?
        GROUP BY c.cluster_id ORDER BY size DESC, c.cluster_id"""
    with connect(store) as con:
        return con.execute(sql, [min_size]).df()


def table_counts(store: Store) -> dict[str, int]:
    """Row count of every table (used by tests and `genoflow query tables`)."""
    with connect(store) as con:
        return {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES}
