"""Result bundles: what leaves the facility for one sample, as one reproducible byte string.

A bundle is a POSIX ustar archive (no compression) holding exactly two regular files, in this order:

    ID.report.json   the de-identified report (`deidentify`), in `Report.to_json()` canonical form
    ID.vcf           the sample's VCF, decompressed, header reduced to an allow-list (`sanitize_vcf`)

Every header field is fixed (mtime 0, uid/gid 0, empty owner names, mode 0644), so the bundle's sha256 is a
function of the report and the VCF alone: anyone holding them rebuilds the same bytes (`build_bundle`), and
`tar -xf` opens it anywhere. Raw reads and the sample sheet are never part of a bundle.

What of a report leaves (`deidentify`; reports never hold `patient_id` by construction):
- kept: sample_id (the lab's pseudonymous code), input_type, batch_id, site and country (they name the
  facility, not the person, and results cannot be read without local epidemiology), QC, variants, drug calls,
  WHO category, catalogue and pipeline versions, input files' sha256 and sizes (prove which raw files were
  analysed and reveal nothing without them).
- removed: collection_date (a full date is a quasi-identifier -- HIPAA Safe Harbor keeps only the year -- and the
  model has no month-only form; the anchor's block height already dates the batch, and the local store keeps the
  date for epidemiology); input file names (free text, often carrying names or hospital numbers: replaced by
  `input1.fastq.gz`, ...); pipeline parameters whose text value holds a path separator (paths can identify).
- `publish_batch` also refuses any bundle in which a known patient identifier appears (`check_no_identifiers`).

`deidentify` is idempotent, so the report as written by the pipeline and the released de-identified report
rebuild the same bundle.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from genoflow.report import Report

REPORT_SUFFIX = ".report.json"
VCF_SUFFIX = ".vcf"
BUNDLE_SUFFIX = ".bundle.tar"
_INPUT_EXTENSIONS = (".fastq.gz", ".fq.gz", ".fastq", ".fq", ".bam", ".cram", ".fasta.gz", ".fa.gz", ".fna.gz",
                     ".fasta", ".fa", ".fna")
_VCF_HEADER_KEYS = ("fileformat", "contig", "INFO", "FORMAT", "FILTER", "ALT", "reference")


class BundleError(ValueError):
    """A bundle cannot be built or read; the message names the file and the problem."""


@dataclass(frozen=True)
class Bundle:
    """One sample's bundle bytes and the sha256 of each member (named in receipts)."""

    sample_id: str
    data: bytes
    members: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.sample_id + BUNDLE_SUFFIX

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def deidentify(report: Report) -> Report:
    """The report as it may leave the facility (see the module docstring); idempotent."""
    sample = report.sample
    inputs = [item.model_copy(update={"name": f"input{n}{_extension(item.name)}"})
              for n, item in enumerate(sample.inputs, start=1)]
    parameters = {key: value for key, value in report.pipeline.parameters.items()
                  if not (isinstance(value, str) and ("/" in value or "\\" in value))}
    return report.model_copy(update={
        "sample": sample.model_copy(update={"inputs": inputs, "collection_date": None}),
        "pipeline": report.pipeline.model_copy(update={"parameters": parameters}),
    })


def _extension(name: str) -> str:
    lowered = name.lower()
    return next((ext for ext in _INPUT_EXTENSIONS if lowered.endswith(ext)), "")


def sanitize_vcf(data: bytes, sample_id: str, *, source: str = "VCF") -> bytes:
    """Plain-text VCF with only allow-listed `##` header lines (no commands, paths or dates) and its sample
    column named `sample_id`; gzip/BGZF input is decompressed."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise BundleError(f"{source}: corrupt gzip/BGZF data ({exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(f"{source}: not UTF-8 text at byte {exc.start}") from None
    lines = text.splitlines()
    if not lines or not lines[0].startswith("##fileformat=VCF"):
        raise BundleError(f"{source}: not a VCF (first line is not ##fileformat=VCF...)")
    out = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("##"):
            key, _, value = line[2:].partition("=")
            if key == "reference":
                line = "##reference=" + value.replace("\\", "/").rsplit("/", 1)[-1]
            if key in _VCF_HEADER_KEYS:
                out.append(line)
        elif line.startswith("#CHROM"):
            columns = line.split("\t")
            if len(columns) > 10:
                raise BundleError(f"{source}: line {number}: {len(columns) - 9} sample columns; a bundle holds one sample")
            out.append("\t".join(columns[:9] + [sample_id] * (len(columns) - 9)))
        elif line:
            out.append(line)
    if not any(line.startswith("#CHROM") for line in out):
        raise BundleError(f"{source}: no #CHROM header line")
    return ("\n".join(out) + "\n").encode("utf-8")


def find_vcf(report_path: Path, sample_id: str) -> Path:
    """The VCF beside a report: ID.vcf.gz, else ID.vcf; BundleError naming where it looked."""
    for suffix in (".vcf.gz", ".vcf"):
        candidate = Path(report_path).with_name(sample_id + suffix)
        if candidate.is_file():
            return candidate
    raise BundleError(f"{report_path}: no {sample_id}.vcf.gz or {sample_id}.vcf beside the report")


def read_report(path: Path) -> Report:
    """A report file as a Report; BundleError naming the file if it is not one."""
    try:
        return Report.read(Path(path))
    except OSError as exc:
        raise BundleError(f"{path}: cannot read ({exc.strerror})") from None
    except (ValidationError, ValueError) as exc:
        raise BundleError(f"{path}: not a valid genoflow report ({str(exc).splitlines()[0]})") from None


def build_bundle(report: Report, vcf: bytes, *, vcf_source: str = "VCF") -> Bundle:
    """The deterministic bundle of a report (de-identified here) and its VCF bytes (plain or gzipped)."""
    sid = report.sample.sample_id
    members = {
        sid + REPORT_SUFFIX: deidentify(report).to_json().encode("utf-8"),
        sid + VCF_SUFFIX: sanitize_vcf(vcf, sid, source=vcf_source),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(payload), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            try:
                tar.addfile(info, io.BytesIO(payload))
            except ValueError as exc:
                raise BundleError(f"sample {sid!r}: cannot store {name!r} in a bundle ({exc})") from None
    return Bundle(sid, buffer.getvalue(), {name: hashlib.sha256(p).hexdigest() for name, p in members.items()})


def bundle_from_report_file(report_path: Path) -> Bundle:
    """Rebuild the bundle from a report file and the VCF beside it."""
    report = read_report(report_path)
    vcf = find_vcf(report_path, report.sample.sample_id)
    return build_bundle(report, vcf.read_bytes(), vcf_source=str(vcf))


def read_bundle(data: bytes, *, source: str = "bundle") -> Bundle:
    """Parse bundle bytes: exactly ID.report.json then ID.vcf, regular files only."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            entries = tar.getmembers()
            if len(entries) != 2 or not all(entry.isfile() for entry in entries):
                raise BundleError(f"{source}: a bundle holds exactly two regular files, found "
                                  f"{[entry.name for entry in entries]}")
            payloads = {entry.name: tar.extractfile(entry).read() for entry in entries}  # type: ignore[union-attr]
    except tarfile.TarError as exc:
        raise BundleError(f"{source}: not a tar archive ({exc})") from None
    report_name, vcf_name = list(payloads)
    if not report_name.endswith(REPORT_SUFFIX) or vcf_name != report_name[: -len(REPORT_SUFFIX)] + VCF_SUFFIX:
        raise BundleError(f"{source}: members must be ID{REPORT_SUFFIX} then ID{VCF_SUFFIX}, found {list(payloads)}")
    return Bundle(report_name[: -len(REPORT_SUFFIX)], data,
                  {name: hashlib.sha256(payload).hexdigest() for name, payload in payloads.items()})


def bundle_report(bundle: Bundle) -> Report:
    """The de-identified report inside a bundle."""
    with tarfile.open(fileobj=io.BytesIO(bundle.data), mode="r:") as tar:
        member = tar.extractfile(bundle.sample_id + REPORT_SUFFIX)
        assert member is not None
        return Report.model_validate_json(member.read())


def check_no_identifiers(bundle: Bundle, forbidden: Iterable[str]) -> None:
    """BundleError if any of `forbidden` (e.g. patient ids; case-insensitive) occurs in the bundle's bytes."""
    folded = bundle.data.decode("utf-8", "replace").casefold()
    for text in forbidden:
        if len(text) < 4:
            raise BundleError(f"a patient identifier of {len(text)} characters cannot be screened for reliably "
                              "(it would match ordinary text); use identifiers of 4 or more characters")
        if text.casefold() in folded:
            raise BundleError(f"sample {bundle.sample_id!r}: a patient identifier occurs in its bundle "
                              f"(sample id, site or VCF); refusing to publish it")
