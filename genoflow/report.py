"""The per-sample `report.json` contract (pydantic) shared by the steps, the store, the UI and the anchoring.

Its JSON Schema is exported to `docs/report.schema.json` by `genoflow schema`. Everything downstream of
`genoflow profile` reads a sample only through this model. Reports never carry patient identifiers.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from genoflow.atomic import write_atomic

SCHEMA_VERSION = "1.0.0"

DRUGS: tuple[str, ...] = (
    "amikacin", "bedaquiline", "capreomycin", "clofazimine", "delamanid", "ethambutol", "ethionamide",
    "isoniazid", "kanamycin", "levofloxacin", "linezolid", "moxifloxacin", "pyrazinamide", "rifampicin",
    "streptomycin",
)

Call = Literal["R", "U", "S", "F"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class InputFile(_Model):
    name: str = Field(description="file name only (no directory: paths can identify people or sites)")
    sha256: str
    bytes: int


class Sample(_Model):
    sample_id: str
    input_type: Literal["fastq", "bam", "fasta"]
    inputs: list[InputFile]
    batch_id: str | None = None
    collection_date: date | None = None
    site: str | None = None
    country: str | None = None


class LocusDepth(_Model):
    locus: str = Field(description="gene name as the catalogue spells it, e.g. rpoB")
    chrom: str
    start: int = Field(description="1-based inclusive, including the catalogued promoter")
    end: int = Field(description="1-based inclusive")
    mean_depth: float
    min_depth: int
    fraction_at_min_depth: float


class QC(_Model):
    read_count: int
    bases: int
    mean_read_length: float
    mean_base_quality: float
    gc_content: float
    mapped_fraction: float
    mean_depth: float
    breadth_1x: float
    breadth_10x: float
    loci: list[LocusDepth] = Field(default_factory=list)
    passed: bool = Field(alias="pass")
    reasons: list[str] = Field(default_factory=list)


class Variant(_Model):
    chrom: str
    pos: int = Field(description="1-based, as in VCF")
    ref: str
    alt: str
    depth: int
    af: float
    qual: float
    filter: str
    minority: bool = Field(description="AF below the consensus threshold (possible heteroresistance)")
    gene: str | None = None
    hgvs: str | None = Field(None, description="HGVS as the WHO catalogue spells it, e.g. p.Ser450Leu")
    name: str | None = Field(None, description="catalogue-style gene_HGVS, e.g. rpoB_p.Ser450Leu")
    effect: str | None = Field(None, description="missense_variant, frameshift_variant, upstream_gene_variant, ...")


class Evidence(_Model):
    variant: str = Field(description="gene_HGVS, or a rule name for whole-gene events")
    grade: str = Field(description="WHO grade text, e.g. 'Assoc w R', or 'expert rule'")
    af: float
    source: str = Field(description="catalogue version or rule id that matched")
    heteroresistant: bool = False


class DrugCall(_Model):
    drug: str
    call: Call
    evidence: list[Evidence] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="loci/regions below minimum depth")


class CatalogueInfo(_Model):
    name: str
    version: str
    schema_version: str


class Pipeline(_Model):
    name: str = "genoflow"
    version: str
    reference: str = Field(description="accession and sha256 of the reference sequence")
    aligner: str
    caller: str
    parameters: dict[str, float | int | str | bool]


class Report(_Model):
    schema_version: str = SCHEMA_VERSION
    sample: Sample
    qc: QC
    variants: list[Variant]
    drugs: list[DrugCall] = Field(default_factory=list)
    who_category: str | None = Field(None, description="e.g. RR-TB, MDR-TB, pre-XDR-TB, XDR-TB, HR-TB, sensitive")
    catalogue: CatalogueInfo | None = None
    pipeline: Pipeline

    def to_json(self) -> str:
        """Canonical serialisation: the exact bytes written, pinned and hashed."""
        return self.model_dump_json(by_alias=True, indent=2) + "\n"

    def write(self, path: Path) -> Path:
        """Write atomically (temp file + rename) so a crash never leaves half a report."""
        return write_atomic(path, self.to_json())

    @classmethod
    def read(cls, path: Path) -> "Report":
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


def json_schema() -> str:
    """The Report JSON Schema as exported to docs/report.schema.json."""
    schema = Report.model_json_schema(by_alias=True)
    schema["$id"] = f"https://genoflow.invalid/schema/report/{SCHEMA_VERSION}"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
