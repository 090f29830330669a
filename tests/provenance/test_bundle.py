"""Bundles: reproducible bytes, de-identification, VCF header allow-list, strict reading; AES-GCM sealing."""

from __future__ import annotations

import io
import os
import random
import tarfile

import pytest

from genoflow.provenance.bundle import (
    BundleError, build_bundle, bundle_from_report_file, bundle_report, check_no_identifiers, deidentify, read_bundle,
    sanitize_vcf,
)
from genoflow.provenance.crypto import CryptoError, load_key, load_or_create_key, open_sealed, seal

from .batches import PATIENT, make_batch, make_report


def test_bundle_bytes_depend_only_on_report_and_vcf(tmp_path):
    reports = make_batch(tmp_path / "a", "B1", 2)
    first = bundle_from_report_file(tmp_path / "a" / "B1-S001.report.json")
    again = build_bundle(reports[0], (tmp_path / "a" / "B1-S001.vcf.gz").read_bytes())
    # the same content in another directory, written at another time, gives the same bytes
    os.utime(tmp_path / "a" / "B1-S001.vcf.gz", (0, 0))
    make_batch(tmp_path / "b", "B1", 2)
    elsewhere = bundle_from_report_file(tmp_path / "b" / "B1-S001.report.json")
    assert first.data == again.data == elsewhere.data
    assert first.sha256 != bundle_from_report_file(tmp_path / "a" / "B1-S002.report.json").sha256


def test_bundle_is_a_plain_tar_with_report_then_vcf(tmp_path):
    make_batch(tmp_path, "B1", 1)
    bundle = bundle_from_report_file(tmp_path / "B1-S001.report.json")
    with tarfile.open(fileobj=io.BytesIO(bundle.data)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["B1-S001.report.json", "B1-S001.vcf"]
        assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(0, 0, 0, "", "", 0o644)}
        vcf = tar.extractfile(members[1]).read().decode()
    assert vcf.startswith("##fileformat=VCF") and "\tB1-S001\n" in vcf.split("#CHROM", 1)[1].split("\n", 1)[0] + "\n"
    assert read_bundle(bundle.data).members == bundle.members


def test_deidentify_removes_free_text_and_dates_and_is_idempotent():
    report, _ = make_report("S1", "B1", random.Random(1))
    clean = deidentify(report)
    assert clean.sample.collection_date is None
    assert [i.name for i in clean.sample.inputs] == ["input1.fastq.gz", "input2.fastq.gz"]
    assert [i.sha256 for i in clean.sample.inputs] == [i.sha256 for i in report.sample.inputs]
    assert "workdir" not in clean.pipeline.parameters and clean.pipeline.parameters["min_depth"] == 10
    assert (clean.sample.site, clean.sample.country, clean.variants, clean.drugs) == (
        report.sample.site, report.sample.country, report.variants, report.drugs)
    assert PATIENT not in clean.to_json() and PATIENT in report.to_json()
    assert deidentify(clean) == clean


def test_vcf_header_keeps_only_allow_listed_lines(tmp_path):
    make_batch(tmp_path, "B1", 1)
    raw = (tmp_path / "B1-S001.vcf.gz").read_bytes()
    text = sanitize_vcf(raw, "B1-S001").decode()
    assert PATIENT not in text and "Command" not in text and "Date=" not in text
    assert "##reference=H37Rv.fasta\n" in text and "##contig=<ID=NC_000962.3" in text
    assert sanitize_vcf(text.encode(), "B1-S001").decode() == text
    with pytest.raises(BundleError, match="x.vcf: not a VCF"):
        sanitize_vcf(b"chrom\tpos\n", "S", source="x.vcf")
    with pytest.raises(BundleError, match="2 sample columns"):
        sanitize_vcf(b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb\n", "S")


def test_missing_vcf_and_bad_bundles_are_named(tmp_path):
    make_batch(tmp_path, "B1", 1)
    (tmp_path / "B1-S001.vcf.gz").unlink()
    with pytest.raises(BundleError, match=r"B1-S001.report.json: no B1-S001.vcf.gz or B1-S001.vcf beside"):
        bundle_from_report_file(tmp_path / "B1-S001.report.json")
    with pytest.raises(BundleError, match="x.tar: not a tar archive"):
        read_bundle(b"not a tar" * 100, source="x.tar")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("../../etc/passwd")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(BundleError, match="exactly two regular files"):
        read_bundle(buffer.getvalue())


def test_identifier_screen_refuses_a_bundle_that_names_a_patient(tmp_path):
    reports = make_batch(tmp_path, "B1", 1)
    leaky = reports[0].model_copy(update={"sample": reports[0].sample.model_copy(update={"site": f"ward of {PATIENT}"})})
    bundle = build_bundle(leaky, (tmp_path / "B1-S001.vcf.gz").read_bytes())
    with pytest.raises(BundleError, match="patient identifier occurs") as info:
        check_no_identifiers(bundle, [PATIENT.lower()])
    assert PATIENT not in str(info.value)  # the refusal itself does not leak the identifier
    check_no_identifiers(build_bundle(reports[0], (tmp_path / "B1-S001.vcf.gz").read_bytes()), [PATIENT])
    with pytest.raises(BundleError, match="4 or more characters"):
        check_no_identifiers(bundle, ["42"])
    assert bundle_report(bundle).sample.site == f"ward of {PATIENT}"


def test_identifier_screen_ignores_case_beyond_ascii(tmp_path):
    reports = make_batch(tmp_path, "B1", 1)
    vcf = (tmp_path / "B1-S001.vcf.gz").read_bytes()
    for planted, listed in (("ÖZ-1234", "öz-1234"), ("öz-1234", "ÖZ-1234"), ("STRASSE-77", "straße-77")):
        sample = reports[0].sample.model_copy(update={"site": f"ward of {planted}"})
        bundle = build_bundle(reports[0].model_copy(update={"sample": sample}), vcf)
        assert planted.encode("utf-8") in bundle.data  # stored as UTF-8, not \u-escaped
        with pytest.raises(BundleError, match="patient identifier occurs"):
            check_no_identifiers(bundle, [listed])


def test_encryption_round_trip_and_key_file(tmp_path):
    key_path = tmp_path / "state" / "bundle.key"
    key = load_or_create_key(key_path)
    assert oct(key_path.stat().st_mode & 0o777) == "0o600" and load_or_create_key(key_path) == key
    plaintext = b"bundle bytes" * 1000
    sealed = seal(key, plaintext)
    assert plaintext not in sealed and seal(key, plaintext) == sealed  # deterministic: stable CIDs on re-publish
    assert seal(key, plaintext + b"!")[6:18] != sealed[6:18]  # a different plaintext gets a different nonce
    assert open_sealed(key, sealed) == plaintext
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(CryptoError, match="wrong key or altered bytes"):
        open_sealed(key, tampered)
    with pytest.raises(CryptoError, match="wrong key or altered bytes"):
        open_sealed(os.urandom(32), sealed)
    key_path.chmod(0o644)
    with pytest.raises(CryptoError, match="accessible to other users"):
        load_key(key_path)
