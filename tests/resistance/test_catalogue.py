"""Catalogue loading: grade counts per drug match the source files; versions, matching and errors."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from genoflow.refdata import Reference
from genoflow.report import DRUGS
from genoflow.resistance.catalogue import GRADES, Catalogue, CatalogueError, load_catalogue


def test_grade_counts_per_drug_match_the_tbdb_table(reference: Reference, catalogue: Catalogue) -> None:
    raw = pd.read_csv(reference.path("who2023_tbdb_mutations"), dtype=str)
    # tbdb splits WHO's gene_LoF into 4 rows (one per LoF effect): fold them back to one per (name, drug)
    folded = raw.drop_duplicates(["Gene", "original_mutation", "drug"])
    expected = folded.groupby(["drug", "confidence"]).size()
    got = catalogue.grades.groupby(["drug", "grade_text"]).size()
    got.index.names = expected.index.names
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert set(catalogue.grades.drug) == set(DRUGS)
    assert set(catalogue.grades.grade) == set(GRADES.values())
    assert (catalogue.grades.grade == 1).sum() == (folded.confidence == "Assoc w R").sum()


def test_records_cover_every_vcf_line(reference: Reference, catalogue: Catalogue) -> None:
    with gzip.open(reference.path("who2023_coordinates_vcf"), "rt") as fh:
        lines = sum(1 for line in fh if not line.startswith("#"))
    assert lines == 118_431
    # one pair of VCF lines is the same change once normalised
    assert len(catalogue.records) == lines - 1


def test_match_by_coordinates_multi_name_and_per_drug_grades(catalogue: Catalogue) -> None:
    assert catalogue.names_at(761155, "C", "T") == ["rpoB_p.Ser450Leu"]
    assert [g[:3] for g in catalogue.grades_for("rpoB_p.Ser450Leu")] == [("rifampicin", 1, "Assoc w R")]
    # an MNV spelt with a shared trailing base normalises to the catalogue's record
    assert catalogue.names_at(2155167, "GCG", "ATG") == ["katG_p.Ser315Asn"]
    multi = catalogue.records[catalogue.records.names.str.contains("&")].iloc[0]
    assert len(catalogue.names_at(int(multi.pos), multi.ref, multi.alt)) >= 2
    per_drug = {d: g for d, g, _, _ in catalogue.grades_for("Rv0678_p.Asp47fs")}
    assert per_drug == {"bedaquiline": 1, "clofazimine": 2}
    assert catalogue.genes_graded("LoF", "isoniazid")["katG"] == (1, "Assoc w R")
    assert catalogue.genes_graded("deletion", "isoniazid")["katG"] == (2, "Assoc w R - Interim")


def test_2021_is_a_second_version(reference: Reference, catalogue: Catalogue) -> None:
    old = load_catalogue(reference, "who2021")
    assert old.info.version.startswith("who2021") and catalogue.info.version.startswith("who2023")
    raw = pd.read_csv(reference.path("who2021_tbdb_other"), dtype=str)
    drugs = raw.Info.str.extract(r"drug=([^;]+);")[0]
    assert len(old.grades) == drugs.isin(DRUGS).sum()
    assert {d for d, *_ in old.grades_for("rpoB_p.Ser450Leu")} == {"rifampicin"}


def test_built_once_then_read_from_parquet(reference: Reference, catalogue: Catalogue) -> None:
    files = sorted(reference.data_dir.glob("catalogue-who2023-s*.parquet"))
    assert len(files) == 2
    stamps = [f.stat().st_mtime_ns for f in files]
    load_catalogue(reference, "who2023")
    assert [f.stat().st_mtime_ns for f in files] == stamps


def test_unknown_version_is_a_clear_error(reference: Reference) -> None:
    with pytest.raises(CatalogueError, match="unknown catalogue version 'who2030'"):
        load_catalogue(reference, "who2030")
