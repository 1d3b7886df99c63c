"""What both CSV readers (stakeholder contacts, letter recipients) share about files people open
in spreadsheets: the problem they report, cells that must never run as formulas, the email check.

A problem names the row (as a spreadsheet numbers it: the header is row 1), the column and what
is wrong, never the cell's value, so a problem report carries no personal data.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from io import StringIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a mailbox in a forward path


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One thing wrong with a file: the spreadsheet row, the column, and what is wrong."""

    row: int
    column: str
    problem: str

    def __str__(self):
        where = f"Row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


def starts_like_formula(cell: str) -> bool:
    """Return whether a spreadsheet would treat the cell as a formula."""
    return cell.startswith(FORMULA_STARTS)


def neutralise(cell: str) -> str:
    """Return the cell with a leading ' when a spreadsheet would treat it as a formula."""
    return "'" + cell if starts_like_formula(cell) else cell


def unneutralise(cell: str) -> str:
    """Return an exported cell as it was before `neutralise` (a file re-imports unchanged)."""
    return cell[1:] if cell.startswith("'") and starts_like_formula(cell[1:]) else cell


def is_valid_email(address: str) -> bool:
    """Return whether Django's email validator (and RFC 5321's length limit) accept the address."""
    if len(address) > MAX_EMAIL_LENGTH:
        return False
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def error_report_csv(problems: Iterable[CsvProblem]) -> str:
    """Return problems as CSV (row, column, problem), every cell safe to open in a spreadsheet."""
    output = StringIO()
    writer = csv.writer(output)
    writer.writerow(["row", "column", "problem"])
    for problem in problems:
        writer.writerow(
            [neutralise(str(problem.row)), neutralise(problem.column), neutralise(problem.problem)]
        )
    return output.getvalue()
