"""WHO 2021 categories from per-drug calls."""

from __future__ import annotations

import pytest

from genoflow.report import DRUGS, DrugCall
from genoflow.resistance.who_category import who_category


def _calls(default: str = "S", **calls: str) -> list[DrugCall]:
    return [DrugCall(drug=d, call=calls.get(d, default)) for d in DRUGS]


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        ({}, "susceptible"),
        ({"rifampicin": "R"}, "RR-TB"),
        ({"rifampicin": "R", "isoniazid": "R"}, "MDR-TB"),
        ({"rifampicin": "R", "isoniazid": "R", "levofloxacin": "R"}, "pre-XDR-TB"),
        ({"rifampicin": "R", "moxifloxacin": "R", "bedaquiline": "R"}, "XDR-TB"),
        ({"rifampicin": "R", "levofloxacin": "R", "linezolid": "R"}, "XDR-TB"),
        ({"isoniazid": "R"}, "Hr-TB"),
        ({"isoniazid": "R", "rifampicin": "U"}, "Hr-TB (rifampicin uncertain)"),
        ({"rifampicin": "F", "isoniazid": "R"}, "undetermined"),
        ({"streptomycin": "R"}, "other drug resistance"),
        ({"rifampicin": "R", "levofloxacin": "F"}, "RR-TB (fluoroquinolones undetermined)"),
        ({"ethambutol": "F"}, "no resistance detected (ethambutol undetermined)"),
        ({"ethambutol": "U"}, "susceptible"),
    ],
)
def test_categories(calls, expected) -> None:
    assert who_category(_calls(**calls)) == expected
