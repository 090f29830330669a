"""One settings object for every command: environment variables (GENOFLOW_*) overridden by CLI flags."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "genoflow" / "data"


class Thresholds(BaseModel):
    """QC and calling thresholds; every one is recorded in each report's `pipeline.parameters`."""

    min_mapped_fraction: float = Field(0.80, description="QC fails below this fraction of reads mapped to H37Rv")
    min_mean_depth: float = Field(15.0, description="QC fails below this genome-wide mean depth")
    min_breadth_10x: float = Field(0.90, description="QC fails below this fraction of the genome at >= 10x")
    min_reads: int = Field(1000, description="QC fails with fewer reads than this")
    min_depth: int = Field(10, description="a resistance locus position below this depth is 'missing'")
    min_allele_depth: int = Field(3, description="fewest reads supporting an alternative allele")
    minority_af: float = Field(0.10, description="lowest allele frequency reported at resistance loci")
    consensus_af: float = Field(0.75, description="AF at or above this is a fixed (non-minority) call")
    min_base_quality: int = Field(20, description="bases below this are not counted by the caller")
    min_mapping_quality: int = Field(20, description="reads below this are not counted by the caller")


class Settings(BaseSettings):
    """Process-wide settings; `GENOFLOW_DATA_DIR`, `GENOFLOW_STORE`, `GENOFLOW_THREADS`, ..."""

    model_config = SettingsConfigDict(env_prefix="GENOFLOW_", env_nested_delimiter="__")

    data_dir: Path = Field(default_factory=_default_data_dir, description="reference data cache")
    store: str = Field("./genoflow-store", description="analytical store URL (a path, s3://..., gs://...)")
    threads: int = Field(2, ge=1)
    catalogue: str = Field("who2023", description="catalogue version used for resistance calls")
    thresholds: Thresholds = Field(default_factory=Thresholds)


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with non-None keyword overrides (from CLI flags) applied."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
