"""Pairwise SNP distances, single-linkage transmission clusters and neighbour-joining trees.

Input per sample: its consensus SNVs (single-base ref/alt, not minority, FILTER PASS or '.') from the report,
which must list whole-genome variants, and optionally its masked intervals (1-based inclusive reference ranges
without usable coverage, given to `load_batch(masks=...)` or as `ID.mask.bed`). The distance between two
samples is the number of reference positions where both have a usable base and the bases differ; a position
masked in either sample is not compared. A sample without masks is assumed covered everywhere (this can only
overestimate its distances). Only samples that passed QC are compared; a sample id loaded in several batches
is taken from the batch loaded last.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa

from genoflow.store.backend import DERIVED, Store, StoreError
from genoflow.store.load import write_tables_and_commit
from genoflow.store.queries import connect

_CODES = {"A": 1, "C": 2, "G": 3, "T": 4}
MASKED = -1


@dataclass(frozen=True)
class SnpProfiles:
    """Sparse alleles of `sample_ids` at `positions` (every position where any of them has an SNV).

    `alt_rows/alt_cols/alt_codes`: sample i has alternative base 1-4 (A/C/G/T) at positions[col];
    `masked_rows/masked_cols`: sample i has no usable base there. Everything else is the reference base."""

    sample_ids: list[str]
    positions: np.ndarray
    alt_rows: np.ndarray
    alt_cols: np.ndarray
    alt_codes: np.ndarray
    masked_rows: np.ndarray
    masked_cols: np.ndarray


@dataclass(frozen=True)
class ClusterRefresh:
    samples: int
    clusters: int
    clustered_samples: int
    stored_pairs: int
    threshold: int


def build_profiles(sample_ids: Sequence[str], snvs: pd.DataFrame, masks: pd.DataFrame) -> SnpProfiles:
    """Profiles from SNV rows (sample_id, pos, alt) and mask rows (sample_id, start, end); an SNV inside its
    sample's mask, or with an alt other than A/C/G/T, makes that position masked for that sample."""
    index = {sample: i for i, sample in enumerate(sample_ids)}
    if len(index) != len(sample_ids):
        raise StoreError("duplicate sample ids in SNP profile input")
    snvs = snvs[snvs["sample_id"].isin(index)]
    masks = masks[masks["sample_id"].isin(index)]
    return profiles_from_arrays(
        list(sample_ids), snvs["sample_id"].map(index).to_numpy(np.int64), snvs["pos"].to_numpy(np.int64),
        snvs["alt"].str.upper().map(_CODES).fillna(MASKED).to_numpy(np.int8),
        masks["sample_id"].map(index).to_numpy(np.int64), masks["start"].to_numpy(np.int64),
        masks["end"].to_numpy(np.int64))


def profiles_from_arrays(sample_ids: list[str], rows: np.ndarray, pos: np.ndarray, codes: np.ndarray,
                         mask_samples: np.ndarray, mask_starts: np.ndarray, mask_ends: np.ndarray) -> SnpProfiles:
    """Profiles from sample indexes, positions and allele codes (-1 = unusable), and masked intervals."""
    order = np.argsort(pos, kind="stable")
    first = np.ones(len(pos), dtype=bool)
    first[1:] = pos[order][1:] != pos[order][:-1]
    positions = pos[order][first]
    cols = np.empty(len(pos), dtype=np.int64)
    cols[order] = np.cumsum(first) - 1
    m = max(len(positions), 1)
    lo = np.searchsorted(positions, mask_starts, "left")
    hi = np.searchsorted(positions, mask_ends, "right")
    lengths = np.maximum(hi - lo, 0)
    mask_rows = np.repeat(mask_samples, lengths)
    mask_cols = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    unusable = codes == MASKED
    masked_keys = np.sort(np.concatenate([mask_rows * m + mask_cols, rows[unusable] * m + cols[unusable]]))
    masked_keys = masked_keys[np.r_[True, masked_keys[1:] != masked_keys[:-1]]] if len(masked_keys) else masked_keys
    keep = ~unusable
    if len(masked_keys):
        keep &= ~np.isin(rows * m + cols, masked_keys)
    return SnpProfiles(sample_ids, positions, rows[keep], cols[keep], codes[keep], masked_keys // m, masked_keys % m)


def snp_profiles(store: Store, sample_ids: Sequence[str] | None = None) -> SnpProfiles:
    """Profiles of the QC-passed samples in the store (all of them, or `sample_ids`, which must exist)."""
    with connect(store) as con:
        chosen = con.execute("""
            SELECT s.sample_id, s.batch_id FROM samples s
            JOIN qc q USING (batch_id, sample_id) JOIN batches b USING (batch_id)
            WHERE q.passed
            QUALIFY row_number() OVER (PARTITION BY s.sample_id ORDER BY b.loaded_at DESC, s.batch_id DESC) = 1
            ORDER BY s.sample_id""").df()
        if sample_ids is not None:
            wanted = list(dict.fromkeys(sample_ids))
            missing = sorted(set(wanted) - set(chosen["sample_id"]))
            if missing:
                raise StoreError(f"{store.url}: no QC-passed samples named {missing}")
            chosen = chosen.set_index("sample_id").loc[wanted].reset_index()
        con.register("chosen", chosen.assign(idx=np.arange(len(chosen), dtype=np.int64)))
        snvs = con.execute("""
            SELECT c.idx, v.pos::BIGINT AS pos,
                   CASE upper(v.alt) WHEN 'A' THEN 1 WHEN 'C' THEN 2 WHEN 'G' THEN 3 WHEN 'T' THEN 4 ELSE -1 END::TINYINT
                     AS code
            FROM variants v JOIN chosen c USING (batch_id, sample_id)
            WHERE length(v.ref) = 1 AND length(v.alt) = 1 AND NOT v.minority AND v.filter IN ('PASS', '.')""").fetchnumpy()
        masks = con.execute("""
            SELECT c.idx, m.start::BIGINT AS start, m."end"::BIGINT AS "end"
            FROM masked_regions m JOIN chosen c USING (batch_id, sample_id)""").fetchnumpy()
    return profiles_from_arrays(list(chosen["sample_id"]), np.asarray(snvs["idx"]), np.asarray(snvs["pos"]),
                                np.asarray(snvs["code"]), np.asarray(masks["idx"]), np.asarray(masks["start"]),
                                np.asarray(masks["end"]))


def snp_distance_matrix(profiles: SnpProfiles, chunk: int = 4096) -> np.ndarray:
    """(n, n) int32 SNP distances: per pair, the positions usable in both samples where their bases differ.

    With A = alternative-allele indicators, M = masked indicators and S_i = alternative alleles of sample i,
    distance(i, j) = S_i + S_j - (A M^T)_ij - (M A^T)_ij - (A A^T)_ij - sum_b (A_b A_b^T)_ij, where the last
    two terms are 2 (A A^T)_ij at positions with one alternative base. Positions carried by everyone (and
    masked nowhere) cancel and are dropped; positions carried by one sample and masked nowhere only feed S;
    positions carried by exactly two are applied pairwise; the rest go through matrix products, `chunk`
    positions at a time (float32, exact for chunk < 2**24)."""
    n, m = len(profiles.sample_ids), len(profiles.positions)
    rows, cols, codes = profiles.alt_rows, profiles.alt_cols, profiles.alt_codes
    masked = np.zeros(m, dtype=bool)
    masked[profiles.masked_cols] = True
    carriers = np.bincount(cols, minlength=m)
    keys = np.sort(cols * 8 + codes)
    distinct = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    alleles = np.bincount(distinct // 8, minlength=m)
    constant = (carriers == n) & (alleles == 1) & ~masked
    keep = ~constant[cols]
    rows, cols, codes = rows[keep], cols[keep], codes[keep]
    alt_counts = np.bincount(rows, minlength=n).astype(np.int64)
    distances = np.add.outer(alt_counts, alt_counts)

    pair = (carriers == 2) & ~masked
    in_pair = pair[cols]
    order = np.lexsort((rows[in_pair], cols[in_pair]))
    first, second = rows[in_pair][order][0::2], rows[in_pair][order][1::2]
    pair_codes = codes[in_pair][order]
    delta = np.where(pair_codes[0::2] == pair_codes[1::2], -2, -1)
    np.add.at(distances, (first, second), delta)
    np.add.at(distances, (second, first), delta)

    dense = ~constant & ~pair & ((carriers >= 2) | (masked & (carriers >= 1)))
    dense_cols = np.flatnonzero(dense)
    for start in range(0, len(dense_cols), chunk):
        block = dense_cols[start:start + chunk]
        local = np.full(m, -1, dtype=np.int64)
        local[block] = np.arange(len(block))
        a_sel = local[cols] >= 0
        a_rows, a_cols, a_codes = rows[a_sel], local[cols[a_sel]], codes[a_sel]
        alt = np.zeros((n, len(block)), dtype=np.float32)
        alt[a_rows, a_cols] = 1
        total = np.zeros((n, n), dtype=np.float32)
        multi = alleles[block] > 1
        single_alt = alt * ~multi
        total += 2 * (single_alt @ single_alt.T)
        if multi.any():
            multi_alt = alt * multi
            total += multi_alt @ multi_alt.T
            for code in _CODES.values():
                by_base = np.zeros_like(alt)
                chosen = a_codes == code
                by_base[a_rows[chosen], a_cols[chosen]] = 1
                by_base *= multi
                total += by_base @ by_base.T
        m_sel = local[profiles.masked_cols] >= 0
        if m_sel.any():
            mask = np.zeros((n, len(block)), dtype=np.float32)
            mask[profiles.masked_rows[m_sel], local[profiles.masked_cols[m_sel]]] = 1
            cross = alt @ mask.T
            total += cross + cross.T
        distances -= np.rint(total).astype(np.int64)
    np.fill_diagonal(distances, 0)
    return distances.astype(np.int32)


def clusters_from_distances(sample_ids: Sequence[str], distances: np.ndarray, threshold: int = 12) -> pd.DataFrame:
    """Single-linkage clusters: samples joined by any chain of pairs at distance <= threshold.

    One row per sample (sample_id, cluster_id, cluster_size); clusters of two or more are named C001, C002,
    ... by decreasing size then first sample id; singletons have no cluster_id."""
    n = len(sample_ids)
    if distances.shape != (n, n):
        raise ValueError(f"distance matrix shape {distances.shape} does not match {n} samples")
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold}")
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(distances <= threshold, k=1))):
        ri, rj = find(int(i)), find(int(j))
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    roots = [find(i) for i in range(n)]
    members: dict[int, list[str]] = {}
    for sample, root in zip(sample_ids, roots):
        members.setdefault(root, []).append(sample)
    groups = sorted((sorted(m) for m in members.values()), key=lambda m: (-len(m), m[0]))
    rows = []
    number = 0
    for group in groups:
        if len(group) > 1:
            number += 1
        cluster_id = f"C{number:03d}" if len(group) > 1 else None
        rows.extend((sample, cluster_id, len(group)) for sample in group)
    return pd.DataFrame(rows, columns=["sample_id", "cluster_id", "cluster_size"])


def refresh_clusters(store: Store, threshold: int = 12, keep_pairs_within: int = 50) -> ClusterRefresh:
    """Recompute SNP distances and clusters over the whole store and commit them (tables `snp_distances`,
    pairs at distance <= max(threshold, keep_pairs_within), and `clusters`)."""
    profiles = snp_profiles(store)
    distances = snp_distance_matrix(profiles)
    clusters = clusters_from_distances(profiles.sample_ids, distances, threshold)
    limit = max(threshold, keep_pairs_within)
    i, j = np.nonzero(np.triu(distances <= limit, k=1))
    ids = np.asarray(profiles.sample_ids, dtype=object)
    pairs = pa.table({"sample_a": ids[i].tolist(), "sample_b": ids[j].tolist(),
                      "distance": distances[i, j].astype(np.int32)})
    now = datetime.now(timezone.utc)
    cluster_table = pa.Table.from_pandas(
        clusters.assign(threshold=threshold, computed_at=now), preserve_index=False)
    with store.writer():
        write_tables_and_commit(store, DERIVED, {"snp_distances": pairs, "clusters": cluster_table})
    clustered = clusters["cluster_id"].notna()
    return ClusterRefresh(samples=len(profiles.sample_ids), clusters=int(clusters.loc[clustered, "cluster_id"].nunique()),
                          clustered_samples=int(clustered.sum()), stored_pairs=len(i), threshold=threshold)


def nj_tree_newick(store: Store, sample_ids: Sequence[str]) -> str:
    """Neighbour-joining tree (Biopython) of the chosen QC-passed samples, in Newick, branch lengths in SNPs."""
    from Bio import Phylo
    from Bio.Phylo.TreeConstruction import DistanceMatrix, DistanceTreeConstructor

    if len(set(sample_ids)) < 3:
        raise StoreError("a neighbour-joining tree needs at least 3 distinct samples")
    profiles = snp_profiles(store, sample_ids)
    distances = snp_distance_matrix(profiles)
    lower = [[float(distances[i, j]) for j in range(i + 1)] for i in range(len(profiles.sample_ids))]
    tree = DistanceTreeConstructor().nj(DistanceMatrix(profiles.sample_ids, lower))
    out = io.StringIO()
    Phylo.write(tree, out, "newick")
    return out.getvalue().strip()
