"""Fixtures for resistance tests: the WHO 2023 catalogue and a helper to build variants at known coordinates."""

from __future__ import annotations

import numpy as np
import pytest

from genoflow.refdata import CHROM, Reference
from genoflow.report import Variant
from genoflow.resistance.annotate import annotate
from genoflow.resistance.catalogue import Catalogue, load_catalogue

GENOME_LENGTH = 4_411_532


@pytest.fixture(scope="session")
def catalogue(reference: Reference) -> Catalogue:
    return load_catalogue(reference, "who2023")


@pytest.fixture()
def depth() -> np.ndarray:
    """Uniform 40x everywhere: every locus covered."""
    return np.full(GENOME_LENGTH, 40, dtype=np.int32)


@pytest.fixture(scope="session")
def make_variants(reference: Reference):
    def make(*specs: tuple, filter: str = "PASS") -> list[Variant]:
        out = []
        for spec in specs:
            pos, ref, alt, af = (*spec, 1.0)[:4]
            assert reference.sequence[pos - 1 : pos - 1 + len(ref)] == ref, f"bad test REF at {pos}"
            out.append(Variant(chrom=CHROM, pos=pos, ref=ref, alt=alt, depth=40, af=af, qual=100.0,
                               filter=filter, minority=af < 0.75))
        return annotate(out, reference)

    return make
