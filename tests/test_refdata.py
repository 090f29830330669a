"""Reference-data manifest and fetcher, against the local mirror."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from genoflow import refdata


def test_manifest_lists_every_mirror_file_with_checksums(mirror: Path) -> None:
    entries = refdata.load_manifest()
    assert {e.file for e in entries} >= {"NC_000962.3.fasta.gz", "WHO2023_genomic_coordinates_7May2024.vcf.gz"}
    for entry in entries:
        found = list(mirror.rglob(entry.file))
        assert found, entry.file
        assert refdata.sha256_file(found[0]) == entry.sha256


def test_reference_is_h37rv_with_loci(reference: refdata.Reference) -> None:
    assert len(reference.sequence) == 4_411_532
    assert reference.sequence[761154] == "C"  # rpoB S450 codon, 761155 C>T gives S450L
    loci = reference.loci.set_index("locus")
    assert {"rpoB", "katG", "inhA", "pncA", "rrs", "embB", "gyrA"} <= set(loci.index)
    assert loci.loc["rpoB", "start"] <= 759807 and loci.loc["rpoB", "end"] >= 763325
    assert loci.loc["inhA", "start"] <= 1673425  # fabG1 promoter c.-777C>T is catalogued under inhA
    assert (reference.genes.chrom == refdata.CHROM).all()


def test_corrupt_mirror_file_is_refused_naming_it(tmp_path: Path, mirror: Path) -> None:
    bad_mirror = tmp_path / "mirror"
    shutil.copytree(mirror, bad_mirror)
    target = bad_mirror / "catalogue" / "WHO2023_tbdb_mutations_e9e19a5a.csv.gz"
    target.chmod(0o644)
    with gzip.open(target, "wb") as fh:
        fh.write(b"Gene,Mutation\nrpoB,p.Ser450Leu\n")
    with pytest.raises(refdata.DataError, match="WHO2023_tbdb_mutations_e9e19a5a.csv.gz.*sha256"):
        refdata.fetch(tmp_path / "data", mirror=bad_mirror)
    assert not (tmp_path / "data" / "WHO2023_tbdb_mutations_e9e19a5a.csv.gz").exists()


def test_fasta_is_derived_from_genbank_when_mirror_lacks_it(tmp_path: Path, mirror: Path) -> None:
    partial = tmp_path / "mirror"
    partial.mkdir()
    for entry in refdata.load_manifest():
        if entry.file != "NC_000962.3.fasta.gz":
            shutil.copy(next(mirror.rglob(entry.file)), partial / entry.file)
    refdata.fetch(tmp_path / "data", mirror=partial)
    derived = tmp_path / "data" / "NC_000962.3.fasta.gz"
    assert refdata.content_sha256(derived) == next(
        e.content_sha256 for e in refdata.load_manifest() if e.file == derived.name
    )


def test_cli_fetch_builds_every_catalogue_once(fresh_data_dir: Path, mirror: Path) -> None:
    """`genoflow data fetch` leaves the catalogues built, so a batch's samples never build them on first use."""
    from typer.testing import CliRunner

    from genoflow.cli import app
    from genoflow.resistance.catalogue import SCHEMA_VERSION, VERSIONS

    result = CliRunner().invoke(app, ["data", "fetch", "--mirror", str(mirror), "--data-dir", str(fresh_data_dir)])
    assert result.exit_code == 0, result.output
    assert "catalogues ready: " + ", ".join(VERSIONS) in result.output
    built = sorted(p.name for p in fresh_data_dir.glob("catalogue-*.parquet"))
    assert built == sorted(f"catalogue-{v}-s{SCHEMA_VERSION}.{part}.parquet" for v in VERSIONS
                           for part in ("grades", "records"))
    assert all(line.endswith("\tcached") for line in result.output.splitlines() if "\t" in line)
