"""Sample sheets: every problem reported at once with its row and column; patient IDs kept out of sight."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from genoflow.samplesheet import SampleSheetError, read_samplesheet


def _sheet(folder: Path, text: str) -> Path:
    for name in ("a_R1.fq.gz", "a_R2.fq.gz", "b_R1.fq.gz"):
        (folder / name).write_bytes(b"placeholder")  # existence is all the sheet checks; content is validate's job
    path = folder / "samplesheet.csv"
    path.write_text(text)
    return path


def test_good_sheet_gives_typed_rows_with_paths_relative_to_the_sheet(tmp_path):
    sheet = _sheet(tmp_path, "sample_id,r1,r2,collection_date,site,country,patient_id\n"
                             "A1,a_R1.fq.gz,a_R2.fq.gz,2025-03-01,Lima,PE,P-0042\n"
                             "B1,b_R1.fq.gz,,,,,\n")
    parsed = read_samplesheet(sheet)
    a, b = parsed.rows
    assert a.reads == ((tmp_path / "a_R1.fq.gz").resolve(), (tmp_path / "a_R2.fq.gz").resolve())
    assert a.collection_date == date(2025, 3, 1) and a.site == "Lima" and a.country == "PE"
    assert b.reads == ((tmp_path / "b_R1.fq.gz").resolve(),) and b.collection_date is None and b.site is None
    assert parsed.patient_ids() == {"A1": "P-0042"}
    assert "P-0042" not in repr(parsed) and "P-0042" not in repr(parsed.sample_inputs("B"))
    assert parsed.sample_inputs("B")[0].batch_id == "B"


def test_every_problem_is_named_by_row_and_column(tmp_path):
    sheet = _sheet(tmp_path, "sample_id,r1,r2,collection_date,patient_id\n"
                             "A1,a_R1.fq.gz,a_R2.fq.gz,2025-03-01,SECRET-1\n"
                             "a1,b_R1.fq.gz,,2025-13-01,SECRET-2\n"
                             "../evil,missing.fq.gz,,,SECRET-3\n"
                             "C1,a_R1.fq.gz,a_R1.fq.gz,01/02/2025,SECRET-4\n"
                             "D1,,,2999-01-01,SECRET-5\n")
    with pytest.raises(SampleSheetError) as caught:
        read_samplesheet(sheet, today=date(2026, 1, 1))
    problems = caught.value.problems
    expected = [
        ("row 3, column 'sample_id'", "duplicate sample ID 'a1' (first used in row 2)"),
        ("row 3, column 'collection_date'", "'2025-13-01' is not a date"),
        ("row 4, column 'sample_id'", "sample ID '../evil' contains a path separator"),
        ("row 4, column 'r1'", "file not found: missing.fq.gz"),
        ("row 5, column 'r2'", "same file as r1"),
        ("row 5, column 'collection_date'", "'01/02/2025' is not a date"),
        ("row 6, column 'r1'", "empty"),
        ("row 6, column 'collection_date'", "2999-01-01 is in the future"),
    ]
    for where, what in expected:
        assert any(p.startswith(where) and what in p for p in problems), (where, what, problems)
    assert len(problems) == len(expected)
    assert str(sheet) in str(caught.value)
    assert "SECRET" not in str(caught.value)


def test_header_problems_name_the_column(tmp_path):
    sheet = _sheet(tmp_path, "sample_id,read1,site,site\nA1,a_R1.fq.gz,x,y\n")
    with pytest.raises(SampleSheetError) as caught:
        read_samplesheet(sheet)
    assert caught.value.problems == [
        "row 1: required column 'r1' is missing",
        "row 1, column 'read1': unknown column (known: sample_id, r1, r2, collection_date, site, country, patient_id)",
        "row 1, column 'site': appears 2 times",
    ]


@pytest.mark.parametrize("text, problem", [
    ("", "empty file"),
    ("sample_id,r1\n", "no samples"),
    ("sample_id,r1\nA1,a_R1.fq.gz,extra\n", "row 2: 3 cells but the header has 2 columns"),
])
def test_empty_and_ragged_sheets(tmp_path, text, problem):
    with pytest.raises(SampleSheetError, match=problem):
        read_samplesheet(_sheet(tmp_path, text))


def test_missing_sheet(tmp_path):
    with pytest.raises(SampleSheetError, match="sample sheet not found"):
        read_samplesheet(tmp_path / "nope.csv")
