"""SNP distances with masking, single-linkage clusters at a threshold, neighbour-joining trees."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from Bio import Phylo

from genoflow.store import (
    StoreError, build_profiles, clusters_from_distances, cluster_summary, connect, load_batch, nj_tree_newick,
    refresh_clusters, snp_distance_matrix,
)

BASES = "ACGT"


def _snvs(start: int, count: int) -> list[tuple[int, str, str]]:
    """`count` distinct SNVs from position `start` on, 10 bp apart."""
    return [(start + 10 * k, "A", "G") for k in range(count)]


# Constructed so that true distances are known: A-B 5, B-C 10, A-C 15 (a chain), D-E 13, D far from all.
SHARED = _snvs(1_000, 40)  # lineage SNVs every sample carries
SETS = {
    "A": SHARED,
    "B": SHARED + _snvs(100_000, 5),
    "C": SHARED + _snvs(100_000, 5) + _snvs(200_000, 10),
    "D": _snvs(300_000, 30),
    "E": _snvs(300_000, 30) + _snvs(400_000, 13),
}
KNOWN = {("A", "B"): 5, ("B", "C"): 10, ("A", "C"): 15, ("D", "E"): 13, ("A", "D"): 70, ("C", "E"): 98}


def _frame(sets: dict[str, list[tuple[int, str, str]]]) -> pd.DataFrame:
    return pd.DataFrame([(s, p, a) for s, snvs in sets.items() for p, _, a in snvs], columns=["sample_id", "pos", "alt"])


NO_MASKS = pd.DataFrame(columns=["sample_id", "start", "end"])


def test_distance_matrix_matches_constructed_distances():
    profiles = build_profiles(list(SETS), _frame(SETS), NO_MASKS)
    d = snp_distance_matrix(profiles, chunk=2)  # several chunks
    index = {s: i for i, s in enumerate(profiles.sample_ids)}
    for (a, b), expected in KNOWN.items():
        assert d[index[a], index[b]] == d[index[b], index[a]] == expected
    assert np.all(np.diag(d) == 0)


def test_masking_and_different_alleles_at_one_position():
    sets = {"A": [(50, "C", "T"), (500, "A", "G"), (600, "A", "G")], "B": [(50, "C", "G")], "C": []}
    masks = pd.DataFrame([("C", 450, 650)], columns=["sample_id", "start", "end"])
    d = snp_distance_matrix(build_profiles(list(sets), _frame(sets), masks))
    assert d[0, 1] == 3  # T vs G at 50 counts once; 500 and 600 differ
    assert d[0, 2] == 1  # 500 and 600 are masked in C: only position 50 compares
    assert d[1, 2] == 1


@pytest.mark.parametrize("threshold, expected", [
    (12, {"A": "C001", "B": "C001", "C": "C001", "D": None, "E": None}),  # A-C 15 joined through B
    (13, {"A": "C001", "B": "C001", "C": "C001", "D": "C002", "E": "C002"}),
    (4, {s: None for s in SETS}),
])
def test_single_linkage_clusters_at_a_threshold(threshold, expected):
    profiles = build_profiles(list(SETS), _frame(SETS), NO_MASKS)
    clusters = clusters_from_distances(profiles.sample_ids, snp_distance_matrix(profiles), threshold)
    got = {s: None if pd.isna(c) else c for s, c in zip(clusters["sample_id"], clusters["cluster_id"])}
    assert got == expected


def test_refresh_from_the_store_ignores_minority_calls_and_failed_qc(store, report_factory):
    reports = [report_factory(s, snvs=snvs) for s, snvs in SETS.items()]
    reports[0] = report_factory("A", snvs=SETS["A"], minority=_snvs(500_000, 50))  # noise must not count
    reports.append(report_factory("F", snvs=SETS["A"], passed=False))
    load_batch(store, "B1", reports, masks={"E": [(400_000, 400_040)]})  # hides 5 of E's 13 private SNVs
    result = refresh_clusters(store, threshold=12)
    assert (result.samples, result.clusters, result.clustered_samples) == (5, 2, 5)  # D-E now 8
    with connect(store) as con:
        pairs = {(a, b): d for a, b, d in con.execute("SELECT sample_a, sample_b, distance FROM snp_distances").fetchall()}
        stored = dict(con.execute("SELECT sample_id, cluster_id FROM clusters").fetchall())
    assert pairs[("A", "B")] == 5 and pairs[("D", "E")] == 8 and ("A", "D") not in pairs  # 70 > 50 kept
    assert stored == {"A": "C001", "B": "C001", "C": "C001", "D": "C002", "E": "C002"}
    summary = cluster_summary(store)
    assert summary[["cluster_id", "size", "samples"]].values.tolist() == [["C001", 3, "A, B, C"], ["C002", 2, "D, E"]]
    refresh_clusters(store, threshold=12)
    with connect(store) as con:
        assert con.execute("SELECT count(*) FROM clusters").fetchone()[0] == 5


def test_neighbour_joining_tree_recovers_additive_distances(store, report_factory):
    load_batch(store, "B1", [report_factory(s, snvs=snvs) for s, snvs in SETS.items()])
    newick = nj_tree_newick(store, ["A", "B", "C", "D"])
    tree = Phylo.read(io.StringIO(newick), "newick")
    assert sorted(t.name for t in tree.get_terminals()) == ["A", "B", "C", "D"]
    for (a, b), expected in KNOWN.items():
        if {a, b} <= {"A", "B", "C", "D"}:
            assert tree.distance(a, b) == pytest.approx(expected)
    with pytest.raises(StoreError, match=r"no QC-passed samples named \['Z'\]"):
        nj_tree_newick(store, ["A", "B", "Z"])
    with pytest.raises(StoreError, match="at least 3"):
        nj_tree_newick(store, ["A", "B"])


def _naive_distance(a: dict[int, str], b: dict[int, str], mask_a: list, mask_b: list) -> int:
    def masked(pos, intervals):
        return any(start <= pos <= end for start, end in intervals)
    return sum(1 for pos in set(a) | set(b)
               if not masked(pos, mask_a) and not masked(pos, mask_b) and a.get(pos, "ref") != b.get(pos, "ref"))


@pytest.mark.parametrize("seed", [7, 8])
def test_matrix_equals_a_pairwise_count_on_random_profiles_with_masks(seed):
    """Random sets with lineage-shared, pairwise, private and multi-allelic positions and masks, checked
    against a plain per-pair count."""
    rng = np.random.default_rng(seed)
    n, pool = 40, np.arange(1, 1001) * 7
    shared = rng.choice(pool, 60, replace=False)
    sets, masks = {}, {}
    for i in range(n):
        chosen = np.concatenate([rng.choice(pool, rng.integers(0, 120), replace=False),
                                 shared[: 30 + i % 3 * 10], [50_000 + i]])
        sets[f"s{i}"] = {int(p): ("T" if p in shared else BASES[int(rng.integers(0, 4))]) for p in chosen}
        masks[f"s{i}"] = [] if i % 3 else [(s := int(rng.integers(1, 7000)), s + int(rng.integers(0, 800)))]
    snvs = pd.DataFrame([(s, p, a) for s, alts in sets.items() for p, a in alts.items()],
                        columns=["sample_id", "pos", "alt"])
    mask_frame = pd.DataFrame([(s, a, b) for s, ivs in masks.items() for a, b in ivs], columns=["sample_id", "start", "end"])
    d = snp_distance_matrix(build_profiles(list(sets), snvs, mask_frame), chunk=16)
    names = list(sets)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            assert d[i, j] == _naive_distance(sets[a], sets[b], masks[a], masks[b]), (a, b)
