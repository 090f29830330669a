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
    """Alleles of `sample_ids` at every position where any of them has an SNV: 0 reference, 1-4 A/C/G/T,
    -1 masked (not comparable)."""

    sample_ids: list[str]
    positions: np.ndarray  # (m,) int64, sorted
    alleles: np.ndarray  # (n, m) int8


@dataclass(frozen=True)
class ClusterRefresh:
    samples: int
    clusters: int
    clustered_samples: int
    stored_pairs: int
    threshold: int


def build_profiles(sample_ids: Sequence[str], snvs: pd.DataFrame, masks: pd.DataFrame) -> SnpProfiles:
    """Profiles from SNV rows (sample_id, pos, alt) and mask rows (sample_id, start, end)."""
    index = {sample: i for i, sample in enumerate(sample_ids)}
    if len(index) != len(sample_ids):
        raise StoreError("duplicate sample ids in SNP profile input")
    snvs = snvs[snvs["sample_id"].isin(index)]
    positions = np.unique(snvs["pos"].to_numpy(dtype=np.int64))
    alleles = np.zeros((len(sample_ids), len(positions)), dtype=np.int8)
    rows = snvs["sample_id"].map(index).to_numpy()
    cols = np.searchsorted(positions, snvs["pos"].to_numpy(dtype=np.int64))
    codes = snvs["alt"].str.upper().map(_CODES).fillna(MASKED).to_numpy(dtype=np.int8)
    alleles[rows, cols] = codes
    for sample, start, end in masks[masks["sample_id"].isin(index)].itertuples(index=False):
        lo, hi = np.searchsorted(positions, start, "left"), np.searchsorted(positions, end, "right")
        alleles[index[sample], lo:hi] = MASKED
    return SnpProfiles(list(sample_ids), positions, alleles)


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
        con.register("chosen", chosen)
        snvs = con.execute("""
            SELECT v.sample_id, v.pos, v.alt FROM variants v JOIN chosen USING (batch_id, sample_id)
            WHERE length(v.ref) = 1 AND length(v.alt) = 1 AND NOT v.minority AND v.filter IN ('PASS', '.')""").df()
        masks = con.execute("""
            SELECT m.sample_id, m.start, m."end" FROM masked_regions m JOIN chosen USING (batch_id, sample_id)""").df()
    return build_profiles(list(chosen["sample_id"]), snvs, masks)


def snp_distance_matrix(profiles: SnpProfiles, block: int = 2048) -> np.ndarray:
    """(n, n) int32 SNP distances: per pair, positions comparable in both with different alleles.

    Positions where one sample alone differs and nobody is masked add 1 to each of that sample's distances,
    and positions identical and unmasked in all samples add nothing: both are counted without a matrix. The
    rest is (comparable in both) - (same allele in both) by indicator-matrix products, `block` rows at a time
    (exact in float32 below 2**24 positions)."""
    g = profiles.alleles
    n = g.shape[0]
    unmasked = ~(g == MASKED).any(axis=0)
    constant = unmasked & (g == g[:1]).all(axis=0)
    private = unmasked & ((g > 0).sum(axis=0) == 1)
    private_counts = (g[:, private] > 0).sum(axis=1).astype(np.int64)
    g = g[:, ~(constant | private)]
    if g.shape[1] >= 2**24:
        raise StoreError(f"{g.shape[1]} shared variable positions is beyond exact float32 counting")
    distances = np.add.outer(private_counts, private_counts).astype(np.int32)
    np.fill_diagonal(distances, 0)
    valid = (g != MASKED).astype(np.float32)
    same_terms = [(g == code).astype(np.float32) for code in (0, *_CODES.values())]
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        block_d = valid[lo:hi] @ valid.T
        for indicator in same_terms:
            block_d -= indicator[lo:hi] @ indicator.T
        distances[lo:hi] += np.rint(block_d).astype(np.int32)
    return distances


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
