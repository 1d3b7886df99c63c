"""Validate an uploaded breach-notification recipient CSV, row by row, without loading it whole.

Columns (header names are case-insensitive; order does not matter):

``reference``  recipient reference, required, unique in the file (no MRN needed)
``name``  required
``address_line1``, ``address_line2``, ``city``, ``region`` (US state code), ``postal_code``
``country``  ISO 3166-1 alpha-2, default ``US``
``language``  e.g. ``en``, ``es``; default ``en``
``deceased``  yes/no; ``next_of_kin`` is then the addressee
``phi_categories``  semicolon-separated, from :data:`PHI_CATEGORIES`
``email``, ``email_consent`` (yes/no)

A *structurally broken* row (missing reference or name, duplicate reference, unknown PHI
category, bad email, language or yes/no value, a formula-like cell) is an **error**; nothing
may be imported while there are errors. A row whose postal address fails the address checks
still imports, with ``address_usable=False`` and a **warning**: it counts towards the unusable
(and, without email consent, unreachable) totals that decide on substitute notice.

Formula injection: any cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
an error, in every column including ``postal_code`` (no valid value in our columns needs such a
start, and spreadsheet users open these files). Problems never quote cell values, so an error
report carries no patient data; this module logs nothing.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from communications.spreadsheet_csv import (
    CsvProblem,
    error_report_csv,
    is_valid_email,
    starts_like_formula,
)

from .postal import mailing_country_name, postal_address_problems

MAX_ROWS = 500_000
MAX_LINE_BYTES = 64 * 1024
MAX_CELL_CHARACTERS = 200
HEADER_ROW = 1  # rows are numbered as a spreadsheet shows them: the header is row 1

REQUIRED_COLUMNS = ("reference", "name", "address_line1", "city", "region", "postal_code")
OPTIONAL_COLUMNS = (
    "address_line2",
    "country",
    "language",
    "deceased",
    "next_of_kin",
    "phi_categories",
    "email",
    "email_consent",
)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

PHI_CATEGORIES = (
    "name",
    "address",
    "date_of_birth",
    "ssn",
    "medical_record",
    "diagnosis",
    "treatment",
    "insurance",
    "financial",
    "driver_license",
    "email",
    "phone",
)

YES_VALUES = frozenset({"yes", "y", "true", "1"})
NO_VALUES = frozenset({"no", "n", "false", "0", ""})

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


@dataclass(frozen=True, slots=True)
class RecipientRow:
    """A validated recipient, normalised."""

    row: int
    reference: str
    name: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    language: str
    deceased: bool
    next_of_kin: str
    phi_categories: tuple[str, ...]
    email: str
    email_consent: bool
    address_usable: bool

    @property
    def addressee_name(self) -> str:
        """Return whom the letter is addressed to: next of kin or the estate for the deceased."""
        if not self.deceased:
            return self.name
        return self.next_of_kin or f"Estate of {self.name}"

    @property
    def mailing_address_lines(self) -> tuple[str, ...]:
        """Return the address block lines, addressee first."""
        if self.country == "US":
            last_line = f"{self.city}, {self.region} {self.postal_code}"
        else:
            last_line = " ".join(
                part for part in (self.city, self.region, self.postal_code) if part
            )
        lines = [self.addressee_name, self.address_line1, self.address_line2, last_line]
        if self.country != "US":
            lines.append(mailing_country_name(self.country))
        return tuple(line for line in lines if line)

    @property
    def emailable(self) -> bool:
        """Return whether the recipient agreed to notice by email and gave an address."""
        return self.email_consent and bool(self.email)


@dataclass
class RecipientCsvResult:
    """The validated rows and every problem found; import only when ``errors`` is empty."""

    rows: list[RecipientRow] = field(default_factory=list)
    errors: list[CsvProblem] = field(default_factory=list)
    warnings: list[CsvProblem] = field(default_factory=list)
    unusable_count: int = 0
    unreachable_count: int = 0  # unusable address and no email consent

    @property
    def importable(self) -> bool:
        """Return whether the file may be imported."""
        return not self.errors


class _FileRefused(Exception):
    """The file cannot be read further; carries the problem to report."""

    def __init__(self, problem: CsvProblem):
        super().__init__(problem.problem)
        self.problem = problem


def validate_recipients_csv(
    fileobj: BinaryIO, *, max_rows: int = MAX_ROWS, max_line_bytes: int = MAX_LINE_BYTES
) -> RecipientCsvResult:
    """Validate a recipient CSV streamed from a binary file, row by row."""
    result = RecipientCsvResult()
    reader = _RecordReader(fileobj, max_line_bytes=max_line_bytes)
    try:
        header = next(reader.records(), None)
        if header is None:
            result.errors.append(CsvProblem(HEADER_ROW, "", "the file is empty"))
            return result
        columns = _header_columns(header, result)
        if columns is None:
            return result
        first_row_seen: dict[str, int] = {}
        for cells in reader.records():
            row_number = reader.record_number
            if row_number - HEADER_ROW > max_rows:
                raise _FileRefused(CsvProblem(row_number, "", f"more than {max_rows} rows"))
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets leave blank rows at the end
            _validate_row(row_number, columns, cells, first_row_seen, result)
    except _FileRefused as refused:
        result.errors.append(refused.problem)
    return result


class _RecordReader:
    """Read CSV records through a bounded line reader, tracking the spreadsheet row number."""

    def __init__(self, fileobj: BinaryIO, *, max_line_bytes: int):
        self.fileobj = fileobj
        self.max_line_bytes = max_line_bytes
        self.record_number = 0

    def lines(self) -> Iterator[str]:
        """Yield decoded lines, refusing an over-long line without reading it whole."""
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        while True:
            line = self.fileobj.readline(self.max_line_bytes + 1)
            if not line:
                return
            if len(line) > self.max_line_bytes:
                raise _FileRefused(
                    CsvProblem(
                        self.record_number + 1,
                        "",
                        f"line longer than {self.max_line_bytes} bytes; is this a CSV file?",
                    )
                )
            try:
                yield decoder.decode(line)
            except UnicodeDecodeError as error:
                raise _FileRefused(
                    CsvProblem(
                        self.record_number + 1,
                        "",
                        f"not valid UTF-8 (byte 0x{line[error.start]:02x}); "
                        "save the file as 'CSV UTF-8'",
                    )
                ) from None

    def records(self) -> Iterator[list[str]]:
        reader = csv.reader(self.lines(), strict=True)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise _FileRefused(
                    CsvProblem(self.record_number + 1, "", f"malformed CSV ({error})")
                ) from None
            self.record_number += 1
            yield cells


def _header_columns(header: Sequence[str], result: RecipientCsvResult) -> list[str] | None:
    """Return the normalised column names, or None after recording why the header is refused."""
    columns = [name.strip().lower() for name in header]
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        result.errors.append(
            CsvProblem(HEADER_ROW, ", ".join(duplicates), "column appears more than once")
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        result.errors.append(
            CsvProblem(HEADER_ROW, ", ".join(missing), "required columns are missing")
        )
    for name in columns:
        if name not in KNOWN_COLUMNS:
            result.warnings.append(CsvProblem(HEADER_ROW, name, "unknown column is ignored"))
    return None if result.errors else columns


def _validate_row(
    row_number: int,
    columns: Sequence[str],
    cells: Sequence[str],
    first_row_seen: dict[str, int],
    result: RecipientCsvResult,
) -> None:
    """Check one record and add either a row or its errors, plus any warnings, to the result."""
    errors: list[CsvProblem] = []

    def error(column: str, problem: str) -> None:
        errors.append(CsvProblem(row_number, column, problem))

    if len(cells) > len(columns):
        error("", f"has {len(cells)} cells but the header has {len(columns)} columns")
    values = dict.fromkeys(KNOWN_COLUMNS, "")
    for column, cell in zip(columns, cells, strict=False):
        if column not in values:
            continue
        if starts_like_formula(cell) or starts_like_formula(cell.strip()):
            error(column, "starts with =, +, -, @, tab or carriage return (formula injection)")
        elif len(cell) > MAX_CELL_CHARACTERS:
            error(column, f"longer than {MAX_CELL_CHARACTERS} characters")
        elif any(character in cell for character in "\r\n\x00"):
            error(column, "contains a line break or control character")
        values[column] = " ".join(cell.split())

    reference = values["reference"]
    if not reference:
        error("reference", "required")
    elif reference in first_row_seen:
        error("reference", f"duplicate reference (first seen on row {first_row_seen[reference]})")
    else:
        first_row_seen[reference] = row_number
    if not values["name"]:
        error("name", "required")

    deceased = _yes_no(values, "deceased", error)
    email_consent = _yes_no(values, "email_consent", error)
    phi_categories = _phi_categories(values["phi_categories"], error)
    email = values["email"].lower()
    if email and not is_valid_email(email):
        error("email", "not a valid email address")
    if email_consent and not email:
        error("email_consent", "is yes but there is no email address")
    language = (values["language"] or "en").lower()
    if not LANGUAGE_RE.match(language):
        error("language", "not a language code such as en or es")

    if errors:
        result.errors.extend(errors)
        return
    country = (values["country"] or "US").upper()
    region = values["region"].upper() if country == "US" else values["region"]
    postal_code = values["postal_code"].upper()
    address_problems = postal_address_problems(
        values["address_line1"], values["city"], region, postal_code, country
    )
    for column, problem in address_problems:
        result.warnings.append(CsvProblem(row_number, column, f"address unusable: {problem}"))
    if not phi_categories and "phi_categories" in columns:
        result.warnings.append(
            CsvProblem(row_number, "phi_categories", "empty: no PHI category given")
        )
    if deceased and not values["next_of_kin"]:
        result.warnings.append(
            CsvProblem(
                row_number, "next_of_kin", "deceased with no next of kin: letter goes to the estate"
            )
        )
    row = RecipientRow(
        row=row_number,
        reference=reference,
        name=values["name"],
        address_line1=values["address_line1"],
        address_line2=values["address_line2"],
        city=values["city"],
        region=region,
        postal_code=postal_code,
        country=country,
        language=language,
        deceased=deceased,
        next_of_kin=values["next_of_kin"],
        phi_categories=phi_categories,
        email=email,
        email_consent=email_consent,
        address_usable=not address_problems,
    )
    result.rows.append(row)
    if not row.address_usable:
        result.unusable_count += 1
        if not row.emailable:
            result.unreachable_count += 1


def _yes_no(values: dict[str, str], column: str, error) -> bool:
    """Return a yes/no cell as a bool, recording an error for anything else."""
    value = values[column].lower()
    if value in YES_VALUES:
        return True
    if value not in NO_VALUES:
        error(column, "must be yes or no")
    return False


def _phi_categories(cell: str, error) -> tuple[str, ...]:
    """Return the PHI categories in vocabulary order, recording an error for unknown ones."""
    given = {item.strip().lower() for item in cell.split(";") if item.strip()}
    unknown = given - set(PHI_CATEGORIES)
    if unknown:
        error("phi_categories", f"unknown categories; allowed: {', '.join(PHI_CATEGORIES)}")
    return tuple(category for category in PHI_CATEGORIES if category in given)


__all__ = [
    "MAX_ROWS",
    "CsvProblem",
    "PHI_CATEGORIES",
    "RecipientCsvResult",
    "RecipientRow",
    "error_report_csv",
    "validate_recipients_csv",
]
