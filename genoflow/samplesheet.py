"""Sample sheets: the CSV a sequencing core drops with each batch, checked as a whole before anything runs.

Columns: `sample_id`, `r1` (required); `r2`, `collection_date` (YYYY-MM-DD), `site`, `country`, `patient_id`
(optional). Read paths are relative to the sheet's folder (absolute paths are allowed). Every problem in the
sheet is reported at once, each naming its row (as a spreadsheet numbers it: the header is row 1) and column.

`patient_id` is sensitive: it is kept out of `repr`, logs, errors and reports, and leaves this module only
through `SampleSheet.patient_ids()`, a mapping for the store loader (which stores only a keyed hash).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from genoflow.validate import InputError, validate_sample_id

REQUIRED = ("sample_id", "r1")
OPTIONAL = ("r2", "collection_date", "site", "country", "patient_id")
if TYPE_CHECKING:
    from genoflow.profile import SampleInput

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SampleSheetError(ValueError):
    """A sample sheet that cannot be run; `problems` lists every `row N, column C: ...` found."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{path}: {len(problems)} {noun}:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class SheetRow:
    """One sample of a checked sheet: absolute read paths, typed metadata, the patient ID hidden from repr."""

    row: int
    sample_id: str
    reads: tuple[Path, ...]
    collection_date: date | None = None
    site: str | None = None
    country: str | None = None
    patient_id: str | None = field(default=None, repr=False, compare=False)

    def sample_input(self, batch_id: str | None) -> SampleInput:
        """What the per-sample steps get: everything but the patient ID."""
        from genoflow.profile import SampleInput

        return SampleInput(self.sample_id, self.reads, batch_id=batch_id, collection_date=self.collection_date,
                           site=self.site, country=self.country)


@dataclass(frozen=True)
class SampleSheet:
    path: Path
    rows: tuple[SheetRow, ...]

    def sample_inputs(self, batch_id: str | None) -> list[SampleInput]:
        return [row.sample_input(batch_id) for row in self.rows]

    def patient_ids(self) -> dict[str, str]:
        """sample_id -> patient_id for the rows that have one (for the store loader only)."""
        return {row.sample_id: row.patient_id for row in self.rows if row.patient_id}


def read_samplesheet(path: Path, today: date | None = None) -> SampleSheet:
    """Parse and check the whole sheet; raise SampleSheetError listing every problem (row and column)."""
    path = Path(path)
    if not path.is_file():
        raise SampleSheetError(path, ["sample sheet not found"])
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            records = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SampleSheetError(path, [f"not a readable UTF-8 CSV file ({exc})"]) from exc
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise SampleSheetError(path, ["empty file: expected a header row with sample_id,r1[,r2,...]"])
    header = [h.strip() for h in records[0]]
    problems = _header_problems(header)
    if problems:
        raise SampleSheetError(path, problems)
    if len(records) == 1:
        raise SampleSheetError(path, ["no samples: the sheet has a header but no rows"])

    rows: list[SheetRow] = []
    first_row_of: dict[str, int] = {}
    for number, record in enumerate(records[1:], start=2):
        row_problems: list[str] = []
        if len(record) > len(header):
            row_problems.append(f"row {number}: {len(record)} cells but the header has {len(header)} columns")
        cells = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)}
        parsed = _parse_row(path.parent, number, cells, first_row_of, today or date.today(), row_problems)
        problems += row_problems
        if parsed is not None and not row_problems:
            rows.append(parsed)
    if problems:
        raise SampleSheetError(path, problems)
    return SampleSheet(path, tuple(rows))


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    known = set(REQUIRED) | set(OPTIONAL)
    for column in REQUIRED:
        if column not in header:
            problems.append(f"row 1: required column '{column}' is missing")
    for name in header:
        if name not in known:
            problems.append(f"row 1, column '{name}': unknown column (known: {', '.join(REQUIRED + OPTIONAL)})")
        elif header.count(name) > 1:
            problems.append(f"row 1, column '{name}': appears {header.count(name)} times")
    return list(dict.fromkeys(problems))


def _parse_row(base: Path, n: int, cells: dict[str, str], first_row_of: dict[str, int], today: date,
               problems: list[str]) -> SheetRow | None:
    def bad(column: str, message: str) -> None:
        problems.append(f"row {n}, column '{column}': {message}")

    sample_id = cells.get("sample_id", "")
    if not sample_id:
        bad("sample_id", "empty")
    else:
        try:
            validate_sample_id(sample_id)
        except InputError as exc:
            bad("sample_id", str(exc))
        key = sample_id.casefold()  # S1 and s1 would collide on case-insensitive file systems
        if key in first_row_of:
            bad("sample_id", f"duplicate sample ID {sample_id!r} (first used in row {first_row_of[key]})")
        else:
            first_row_of[key] = n

    reads: list[Path] = []
    for column in ("r1", "r2"):
        value = cells.get(column, "")
        if not value:
            if column == "r1":
                bad(column, "empty: every sample needs at least one reads file")
            continue
        read_path = (base / value).resolve() if not Path(value).is_absolute() else Path(value)
        if not read_path.exists():
            bad(column, f"file not found: {value}")
        elif not read_path.is_file():
            bad(column, f"not a file: {value}")
        elif read_path in reads:
            bad(column, f"same file as r1: {value}")
        else:
            reads.append(read_path)

    collection_date = None
    if value := cells.get("collection_date", ""):
        try:
            if not _ISO_DATE.match(value):
                raise ValueError
            collection_date = date.fromisoformat(value)
        except ValueError:
            bad("collection_date", f"{value!r} is not a date in YYYY-MM-DD form")
        else:
            if collection_date > today:
                bad("collection_date", f"{value} is in the future")

    if problems:
        return None
    return SheetRow(row=n, sample_id=sample_id, reads=tuple(reads), collection_date=collection_date,
                    site=cells.get("site") or None, country=cells.get("country") or None,
                    patient_id=cells.get("patient_id") or None)
