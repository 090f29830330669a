"""Reference data: the manifest of external inputs, `genoflow data fetch`, and the derived indexes.

Files listed in `data/manifest.json` are downloaded (or copied from a local mirror), checked against their
sha256, and indexed in the data cache (`Settings.data_dir`): FASTA faidx, minimap2 index, gene table and the
resistance-locus table. Nothing fetched is ever committed to the repository.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from genoflow.atomic import atomic_path

MANIFEST = Path(__file__).resolve().parent.parent / "data" / "manifest.json"
CHROM = "NC_000962.3"
GFF_SEQID = "Chromosome"
STAMP = "fetch.json"


class DataError(RuntimeError):
    """Reference data missing, corrupt or not yet fetched."""


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    file: str
    version: str
    url: str | None
    url_compression: str
    sha256: str
    content_sha256: str
    licence: str
    attribution: str
    derive_from: str | None = None


def load_manifest(path: Path = MANIFEST) -> list[ManifestEntry]:
    raw = json.loads(path.read_text())
    return [ManifestEntry(**entry) for entry in raw["files"]]


_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def sha256_file(path: Path) -> str:
    """sha256 of a file, remembered per (path, inode, size, mtime) so each file is read once per process."""
    st = Path(path).stat()
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def content_sha256(path: Path) -> str:
    """sha256 of the decompressed content (gzip/bgzf) or of the bytes as they are."""
    with open(path, "rb") as fh:
        opener = gzip.open if fh.read(2) == b"\x1f\x8b" else open
    h = hashlib.sha256()
    with opener(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _gzip_to(src: Path, dest: Path) -> None:
    with open(src, "rb") as fin, gzip.GzipFile(dest, "wb", compresslevel=9, mtime=0) as fout:
        shutil.copyfileobj(fin, fout)


def _fasta_from_genbank(genbank: Path, dest: Path) -> None:
    """Extract the sequence from the GenBank record, 80 columns, bgzip-compressed (as the manifest says)."""
    import pysam
    from Bio import SeqIO

    with gzip.open(genbank, "rt") as fh:
        record = next(SeqIO.parse(fh, "genbank"))
    seq = str(record.seq).upper()
    plain = dest.with_suffix("")
    with open(plain, "w") as out:
        out.write(f">{CHROM} Mycobacterium tuberculosis H37Rv, complete genome\n")
        for i in range(0, len(seq), 80):
            out.write(seq[i : i + 80] + "\n")
    pysam.tabix_compress(str(plain), str(dest), force=True)
    plain.unlink()


def _obtain(entry: ManifestEntry, dest: Path, mirror: Path | None) -> str:
    """Put one manifest file at dest; return where it came from."""
    if mirror is not None and (mirror_file := _find_in_mirror(mirror, entry.file)) is not None:
        shutil.copyfile(mirror_file, dest)
        return str(mirror_file)
    if entry.derive_from:
        source = dest.parent / next(e.file for e in load_manifest() if e.name == entry.derive_from)
        _fasta_from_genbank(source, dest)
        return f"derived from {source.name}"
    if entry.url is None:
        raise DataError(f"{entry.file}: no URL in the manifest and not found in mirror {mirror}")
    with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False) as tmp:
        with urllib.request.urlopen(entry.url, timeout=120) as resp:
            shutil.copyfileobj(resp, tmp)
    tmp_path = Path(tmp.name)
    if entry.url_compression == "none" and dest.suffix == ".gz":
        _gzip_to(tmp_path, dest)
        tmp_path.unlink()
    else:
        tmp_path.replace(dest)
    return entry.url


def _find_in_mirror(mirror: Path, name: str) -> Path | None:
    hits = sorted(mirror.rglob(name))
    return hits[0] if hits else None


def _verify(entry: ManifestEntry, path: Path) -> None:
    if sha256_file(path) == entry.sha256:
        return
    if content_sha256(path) == entry.content_sha256:
        return  # same content, different compression bytes (e.g. re-gzipped download)
    raise DataError(f"{path}: sha256 does not match the manifest entry '{entry.name}' (corrupt or wrong file)")


def fetch(data_dir: Path, mirror: Path | None = None, force: bool = False) -> dict[str, str]:
    """Fetch every manifest file into data_dir, verify it, and build the derived indexes.

    Already-present files whose checksum matches are kept. Returns {file: origin}.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    origins: dict[str, str] = {}
    if not (data_dir / STAMP).exists():
        _remove_derived(data_dir)  # an earlier fetch stopped part-way: rebuild whatever it derived
    for entry in load_manifest():
        dest = data_dir / entry.file
        if dest.exists() and not force:
            try:
                _verify(entry, dest)
                origins[entry.file] = "cached"
                continue
            except DataError:
                dest.unlink()
        tmp = data_dir / (entry.file + ".part")
        origins[entry.file] = _obtain(entry, tmp, mirror)
        _verify(entry, tmp)
        tmp.replace(dest)
    if any(origin != "cached" for origin in origins.values()):
        _remove_derived(data_dir)  # new source files: indexes, tables and catalogue Parquet are rebuilt from them
    build_indexes(data_dir)
    (data_dir / STAMP).write_text(json.dumps({"origins": origins}, indent=2) + "\n")
    return origins


DERIVED = ("*.fai", "*.gzi", "*.mmi", "genes.tsv", "resistance_loci.tsv", "catalogue-*.parquet")


def _remove_derived(data_dir: Path) -> None:
    (data_dir / STAMP).unlink(missing_ok=True)
    for pattern in DERIVED:
        for path in data_dir.glob(pattern):
            path.unlink()


def build_indexes(data_dir: Path) -> None:
    """faidx, minimap2 index, gene table and resistance-locus table (rebuilt only when missing)."""
    import pysam

    from genoflow.tools import run_pipeline

    fasta = data_dir / "NC_000962.3.fasta.gz"
    if not (data_dir / (fasta.name + ".fai")).exists() or not (data_dir / (fasta.name + ".gzi")).exists():
        pysam.faidx(str(fasta))
    mmi = data_dir / "NC_000962.3.sr.mmi"
    if not mmi.exists():
        with atomic_path(mmi) as tmp:
            run_pipeline([["minimap2", "-x", "sr", "-d", str(tmp), str(fasta)]])  # the same binary that aligns
    genes = data_dir / "genes.tsv"
    if not genes.exists():
        gene_table(data_dir / "H37Rv_ASM19595v2.ena.gff3.gz").to_csv(genes, sep="\t", index=False)
    loci = data_dir / "resistance_loci.tsv"
    if not loci.exists():
        resistance_loci(
            pd.read_csv(genes, sep="\t"),
            data_dir / "WHO2023_tbdb_mutations_e9e19a5a.csv.gz",
            data_dir / "WHO2023_genomic_coordinates_7May2024.vcf.gz",
        ).to_csv(loci, sep="\t", index=False)


def gene_table(gff: Path) -> pd.DataFrame:
    """Genes (protein-coding and RNA) from the GFF3: name, locus_tag, chrom, start, end (1-based), strand, biotype."""
    rows = []
    with gzip.open(gff, "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 9 or not fields[2].endswith("gene"):
                continue
            attrs = dict(kv.split("=", 1) for kv in fields[8].split(";") if "=" in kv)
            locus_tag = attrs.get("gene_id") or attrs.get("ID", "").split(":")[-1]
            rows.append(
                {
                    "name": attrs.get("Name", locus_tag),
                    "locus_tag": locus_tag,
                    "chrom": CHROM if fields[0] == GFF_SEQID else fields[0],
                    "start": int(fields[3]),
                    "end": int(fields[4]),
                    "strand": fields[6],
                    "biotype": attrs.get("biotype", ""),
                }
            )
    return pd.DataFrame(rows)


def coordinate_records(path: Path) -> Iterator[tuple[int, int, str, str, str]]:
    """(line number, pos, ref, alt, names) per record of the WHO genomic-coordinates VCF; `names` is the
    `graded_variant` value (several names joined by '&' for multi-name records)."""
    with gzip.open(path, "rt") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) < 8 or "graded_variant=" not in f[7]:
                raise DataError(f"{path}:{lineno}: not a WHO coordinates record (no graded_variant)")
            yield lineno, int(f[1]), f[3], f[4], f[7].split("graded_variant=", 1)[1].split(";")[0]


def gene_rows(genes: pd.DataFrame) -> dict[str, Any]:
    """Rows of the gene table keyed the way catalogues name genes: by gene name, or else by locus tag (Rv
    number); the first row wins where a name repeats."""
    by_name: dict[str, Any] = {}
    by_tag: dict[str, Any] = {}
    for row in genes.itertuples(index=False):
        by_name.setdefault(row.name, row)
        by_tag.setdefault(row.locus_tag, row)
    return by_tag | by_name


PROMOTER_REACH = 1000  # catalogued positions further than this outside a gene (e.g. across the origin) are ignored


def resistance_loci(genes: pd.DataFrame, tbdb_csv: Path, coords_vcf: Path) -> pd.DataFrame:
    """One row per catalogued gene: the gene span widened to the catalogued positions around it (promoters)."""
    catalogue = pd.read_csv(tbdb_csv, usecols=["Gene", "drug"])
    drugs_by_gene = catalogue.groupby("Gene")["drug"].agg(lambda s: ",".join(sorted(set(s))))
    span: dict[str, list[int]] = {}
    for _, start, ref, _, names in coordinate_records(coords_vcf):
        end = start + len(ref) - 1
        for name in names.split("&"):
            gene = name.split("_", 1)[0]
            lo_hi = span.setdefault(gene, [start, end])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], start), max(lo_hi[1], end)
    known = gene_rows(genes)
    rows = []
    for gene, drugs in drugs_by_gene.items():
        if (g := known.get(gene)) is None:
            continue
        lo, hi = span.get(gene, [int(g.start), int(g.end)])
        lo = lo if int(g.start) - PROMOTER_REACH <= lo else int(g.start)
        hi = hi if hi <= int(g.end) + PROMOTER_REACH else int(g.end)
        rows.append(
            {"locus": gene, "chrom": CHROM, "start": min(lo, int(g.start)), "end": max(hi, int(g.end)),
             "strand": g.strand, "drugs": drugs}
        )
    return pd.DataFrame(rows).sort_values("start").reset_index(drop=True)


class Reference:
    """Paths and tables of an installed (fetched and indexed) data cache."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        if not (self.data_dir / STAMP).exists():
            raise DataError(
                f"{self.data_dir}: reference data not installed; run `genoflow data fetch` "
                "(or `genoflow data fetch --mirror DIR`)"
            )

    @property
    def fasta(self) -> Path:
        return self.data_dir / "NC_000962.3.fasta.gz"

    @property
    def mmi(self) -> Path:
        return self.data_dir / "NC_000962.3.sr.mmi"

    def path(self, name: str) -> Path:
        """Path of a manifest file by its manifest name (e.g. 'who2023_tbdb_mutations')."""
        return self.data_dir / next(e.file for e in load_manifest() if e.name == name)

    @cached_property
    def sequence(self) -> str:
        import pysam

        with pysam.FastaFile(str(self.fasta)) as fa:
            return fa.fetch(CHROM).upper()

    @cached_property
    def genes(self) -> pd.DataFrame:
        return pd.read_csv(self.data_dir / "genes.tsv", sep="\t")

    @cached_property
    def loci(self) -> pd.DataFrame:
        return pd.read_csv(self.data_dir / "resistance_loci.tsv", sep="\t")

    @cached_property
    def fasta_sha256(self) -> str:
        return sha256_file(self.fasta)
