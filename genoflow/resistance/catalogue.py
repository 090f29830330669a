"""The WHO mutation catalogue as a versioned, typed table: grades per (variant name, drug) and coordinates.

Built once per version from the reference-data files into Parquet in the data cache
(`catalogue-<version>-s<schema>.{grades,records}.parquet`), then loaded from there.

- grades: one row per (name, drug): `name` is `gene_HGVS` as WHO spells it (`rpoB_p.Ser450Leu`,
  `katG_LoF`, `katG_deletion`), `grade` 1-5 and the WHO grade text, plus WHO's comment (epistasis notes).
- records: the WHO genomic-coordinates VCF, normalised (pos, ref, alt) -> `names` (`&`-joined for
  multi-nucleotide records, each part graded on its own).

"who2021" grades come from the 1st edition tables (tbdb form); it has no coordinate file of its own, so its
records are the 2023 coordinates restricted to names the 2021 edition grades (name matching covers the rest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from genoflow.atomic import atomic_path
from genoflow.refdata import DataError, Reference, coordinate_records
from genoflow.report import DRUGS, CatalogueInfo
from genoflow.resistance.annotate import Gene, annotator_for, event_range, normalise

SCHEMA_VERSION = "1"
GRADES: dict[str, int] = {
    "Assoc w R": 1,
    "Assoc w R - Interim": 2,
    "Uncertain significance": 3,
    "Not assoc w R - Interim": 4,
    "Not assoc w R": 5,
}
RESISTANCE_GRADES = (1, 2)
LONGEST_COVERED_RECORD = 50  # graded records longer than this (large deletions) do not define required coverage


@dataclass(frozen=True)
class Version:
    key: str
    name: str
    version: str
    sources: tuple[str, ...]  # manifest names


VERSIONS: dict[str, Version] = {
    "who2023": Version(
        "who2023", "WHO catalogue of mutations in MTBC, 2nd edition (2023)",
        "WHO-UCN-TB-2023.x; genomic coordinates 7 May 2024; gradings via tbdb e9e19a5a",
        ("who2023_coordinates_vcf", "who2023_tbdb_mutations"),
    ),
    "who2021": Version(
        "who2021", "WHO catalogue of mutations in MTBC, 1st edition (2021)",
        "ISBN 9789240028173; gradings via tbdb e25540b2; coordinates from the 2023 edition",
        ("who2021_tbdb_resistance", "who2021_tbdb_other", "who2023_coordinates_vcf"),
    ),
}


class CatalogueError(ValueError):
    """A catalogue source file is missing or malformed, or the version is unknown."""


@dataclass
class Catalogue:
    info: CatalogueInfo
    grades: pd.DataFrame  # name, gene, drug, grade, grade_text, comment
    records: pd.DataFrame  # pos, ref, alt, names
    genes: pd.DataFrame  # gene, start, end, strand, upstream: catalogued genes of the reference
    sequence: str = field(repr=False)
    derived: dict = field(default_factory=dict, repr=False)  # caches of values derived by other modules
    _by_name: dict[str, list[tuple[str, int, str, str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for row in self.grades.itertuples(index=False):
            self._by_name.setdefault(row.name, []).append((row.drug, int(row.grade), row.grade_text, row.comment))

    @cached_property
    def _by_key(self) -> dict[tuple[int, str, str], str]:
        return {(int(p), r, a): n for p, r, a, n in zip(self.records.pos, self.records.ref, self.records.alt,
                                                       self.records.names)}

    def names_at(self, pos: int, ref: str, alt: str) -> list[str]:
        """Catalogue names of a (pos, ref, alt) after normalisation, one per part of a multi-name record."""
        names = self._by_key.get(normalise(pos, ref, alt, self.sequence))
        return names.split("&") if names else []

    @cached_property
    def _gene_intervals(self) -> list[tuple[int, int, str]]:
        """(lo, hi, gene) of every catalogued gene body plus promoter, split where it wraps the origin."""
        return sorted((lo, hi, g.gene) for g in self.genes.itertuples(index=False)
                      for lo, hi in Gene(g.gene, g.start, g.end, g.strand, True, g.upstream,
                                         len(self.sequence)).intervals())

    def gene_at(self, pos: int) -> str:
        """The catalogued gene whose body (or else promoter) holds pos; the nearest gene if none does."""
        body = [g.gene for g in self.genes.itertuples(index=False) if g.start <= pos <= g.end]
        if body:
            return body[0]
        near = [(0 if lo <= pos <= hi else min(abs(pos - lo), abs(pos - hi)), gene)
                for lo, hi, gene in self._gene_intervals]
        return min(near)[1]

    def grades_for(self, name: str) -> list[tuple[str, int, str, str]]:
        """[(drug, grade 1-5, grade text, comment)] for one catalogue name; empty if not graded."""
        return self._by_name.get(name, [])

    @cached_property
    def _whole_gene(self) -> dict[tuple[str, str], dict[str, tuple[int, str]]]:
        out: dict[tuple[str, str], dict[str, tuple[int, str]]] = {}
        rows = self.grades[self.grades.name.str.endswith(("_LoF", "_deletion"))]
        for name, drug, grade, text in zip(rows.name, rows.drug, rows.grade, rows.grade_text):
            gene, suffix = name.rsplit("_", 1)
            out.setdefault((suffix, drug), {})[gene] = (int(grade), text)
        return out

    def genes_graded(self, suffix: str, drug: str) -> dict[str, tuple[int, str]]:
        """{gene: (grade, text)} of whole-gene entries (`LoF` or `deletion`) graded for a drug."""
        return self._whole_gene.get((suffix, drug), {})

    @cached_property
    def _resistance_spans(self) -> dict[str, list[tuple[str, int, int]]]:
        r = self.grades[self.grades.grade.isin(RESISTANCE_GRADES)]
        drugs_of: dict[str, set[str]] = {}
        for name, drug in zip(r.name.tolist(), r.drug.tolist()):
            drugs_of.setdefault(name, set()).add(drug)
        out: dict[str, list[tuple[str, int, int]]] = {}
        rec = self.records
        for pos, ref, alt, names in zip(rec.pos.tolist(), rec.ref.tolist(), rec.alt.tolist(), rec.names.tolist()):
            if len(ref) > LONGEST_COVERED_RECORD:
                continue
            parts = names.split("&")
            drugs = set().union(*(drugs_of.get(p, set()) for p in parts))
            if not drugs or any(p.endswith("_LoF") for p in parts):
                continue  # LoF genes are required as whole gene bodies by the rules
            lo, hi = event_range(pos, ref, alt)
            for drug in drugs:
                out.setdefault(drug, []).append((parts[0].split("_", 1)[0], lo, hi))
        return out

    def resistance_positions(self, drug: str) -> list[tuple[str, int, int]]:
        """(gene, start, end) of every coordinate record whose name is graded 1/2 for the drug (short ones)."""
        return self._resistance_spans.get(drug, [])


def load_catalogue(reference: Reference, version: str = "who2023") -> Catalogue:
    """The catalogue `version` ("who2023" or "who2021"), built into Parquet in the data cache on first use."""
    if version not in VERSIONS:
        raise CatalogueError(f"unknown catalogue version {version!r}; choose one of {sorted(VERSIONS)}")
    v = VERSIONS[version]
    stem = reference.data_dir / f"catalogue-{version}-s{SCHEMA_VERSION}"
    grades_path, records_path = stem.with_suffix(".grades.parquet"), stem.with_suffix(".records.parquet")
    if not (grades_path.exists() and records_path.exists()):
        grades, records = _build(reference, version)
        for df, path in ((grades, grades_path), (records, records_path)):
            with atomic_path(path) as tmp:  # samples may build it concurrently: each renames its own file
                df.to_parquet(tmp, index=False)
    grades, records = pd.read_parquet(grades_path), pd.read_parquet(records_path)
    info = CatalogueInfo(name=v.name, version=f"{version}: {v.version}", schema_version=SCHEMA_VERSION)
    return Catalogue(info, grades, records, catalogue_gene_table(reference), reference.sequence)


def catalogue_gene_table(reference: Reference) -> pd.DataFrame:
    """Catalogued genes with reference coordinates and catalogued promoter reach."""
    model = annotator_for(reference).model
    return pd.DataFrame(
        [(g.name, g.start, g.end, g.strand, g.upstream) for g in model.catalogue_genes.values()],
        columns=["gene", "start", "end", "strand", "upstream"],
    ).sort_values("start").reset_index(drop=True)


def _build(reference: Reference, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = read_coordinates_vcf(reference.path("who2023_coordinates_vcf"), reference.sequence)
    if version == "who2023":
        grades = read_tbdb_2023(reference.path("who2023_tbdb_mutations"))
    else:
        grades = read_tbdb_2021(reference.path("who2021_tbdb_resistance"), reference.path("who2021_tbdb_other"))
        graded = set(grades.name)
        records = records[records.names.map(lambda n: any(p in graded for p in n.split("&")))]
    return grades, records.reset_index(drop=True)


def read_coordinates_vcf(path: Path, sequence: str) -> pd.DataFrame:
    """The WHO coordinates VCF as normalised (pos, ref, alt, names); REF must match the reference."""
    rows = []
    try:
        for lineno, pos, ref, alt, names in coordinate_records(path):
            if sequence[pos - 1 : pos - 1 + len(ref)] != ref:
                raise CatalogueError(f"{path}:{lineno}: REF {ref[:20]} does not match the reference at {pos}")
            rows.append((*normalise(pos, ref, alt, sequence), names))
    except DataError as exc:
        raise CatalogueError(str(exc)) from exc
    df = pd.DataFrame(rows, columns=["pos", "ref", "alt", "names"])
    return df.drop_duplicates(["pos", "ref", "alt"]).reset_index(drop=True)


def _grade_number(text: str, path: Path) -> int:
    if text not in GRADES:
        raise CatalogueError(f"{path}: unknown grade text {text!r}")
    return GRADES[text]


def read_tbdb_2023(path: Path) -> pd.DataFrame:
    """tbdb-form 2023 table -> grades; the split LoF rows are folded back to WHO's `gene_LoF` / `gene_deletion`."""
    raw = pd.read_csv(path, dtype=str)
    missing = {"Gene", "original_mutation", "drug", "confidence"} - set(raw.columns)
    if missing:
        raise CatalogueError(f"{path}: missing columns {sorted(missing)}")
    df = pd.DataFrame({
        "name": raw.Gene + "_" + raw.original_mutation,
        "gene": raw.Gene,
        "drug": raw.drug,
        "grade": [_grade_number(t, path) for t in raw.confidence],
        "grade_text": raw.confidence,
        "comment": raw.get("comment", pd.Series(dtype=str)).fillna(""),
    })
    return _check_drugs(df.drop_duplicates(["name", "drug"]).reset_index(drop=True), path)


def read_tbdb_2021(r_table: Path, other_table: Path) -> pd.DataFrame:
    """WHO 2021 grades: R-associated rows (WHO Confidence set; tbdb's literature-only rows are dropped) plus the
    uncertain/not-associated rows, restricted to the 15 catalogue drugs."""
    r = pd.read_csv(r_table, dtype=str)
    r = r[r["WHO Confidence"].notna() & r.Drug.isin(DRUGS)]
    other = pd.read_csv(other_table, dtype=str)
    info = other.Info.str.extract(r"drug=([^;]+);who_confidence=(.+)$")
    other = other.assign(Drug=info[0], conf=info[1])
    other = other[other.Drug.isin(DRUGS) & other.conf.notna()]
    df = pd.DataFrame({
        "name": pd.concat([r.Gene + "_" + r.Mutation, other.Gene + "_" + other.Mutation]),
        "gene": pd.concat([r.Gene, other.Gene]),
        "drug": pd.concat([r.Drug, other.Drug]),
        "grade_text": pd.concat([r["WHO Confidence"], other.conf]),
    })
    df["grade"] = [_grade_number(t, r_table) for t in df.grade_text]
    df["comment"] = ""
    df = df[["name", "gene", "drug", "grade", "grade_text", "comment"]]
    return _check_drugs(df.drop_duplicates(["name", "drug"]).reset_index(drop=True), r_table)


def _check_drugs(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    unknown = set(df.drug) - set(DRUGS)
    if unknown:
        raise CatalogueError(f"{path}: drugs outside the 15 catalogue drugs: {sorted(unknown)}")
    return df
