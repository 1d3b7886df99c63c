"""Read and write the stakeholder directory as CSV: pure functions, no database.

Columns (header names are case-insensitive; order does not matter): ``group`` (a group's name or
kind) and ``name`` are required; ``organisation``, ``role``, ``email``, ``phone``,
``postal_address``, ``preferred_channel`` (a channel's value or label) and ``notes`` are optional.

Problems name the row (as a spreadsheet numbers it: the header is row 1), the column and what is
wrong, never the cell's value. Exported cells that a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading ``'``; the import removes
that ``'`` again, so an exported file imports unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from communications.spreadsheet_csv import CsvProblem, is_valid_email, neutralise, unneutralise

from ..models import Contact, ContactChannel

COLUMNS = Contact.EDITABLE_FIELDS
REQUIRED_COLUMNS = ("group", "name")
MAX_LENGTHS = {
    "group": 120,
    "name": 200,
    "organisation": 200,
    "role": 120,
    "email": 254,
    "phone": 40,
    "postal_address": 1000,
    "preferred_channel": 40,
    "notes": 2000,
}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class ContactRow:
    row: int
    group_id: int
    name: str
    organisation: str
    role: str
    email: str
    phone: str
    postal_address: str
    preferred_channel: str
    notes: str

    def key(self) -> tuple[int, str]:
        """Return what identifies the contact in its group: the email, else the name."""
        return (self.group_id, (self.email or self.name).casefold())


def channel_from_text(text: str) -> str | None:
    """Return the channel a cell names (by value or label, any case), or None."""
    wanted = text.strip().casefold().replace(" ", "_")
    for value, label in ContactChannel.choices:
        if wanted in (value, label.casefold().replace(" ", "_")):
            return value
    return None


def contact_detail_problems(
    *, email: str, phone: str, postal_address: str, preferred_channel: str
) -> dict[str, str]:
    """Return, per field, why a contact cannot be reached the way it says."""
    problems = {}
    if email and not is_valid_email(email):
        problems["email"] = "not a valid email address."
    if not (email or phone or postal_address):
        problems["email"] = "give at least one of email, phone or postal address."
    needs = {
        ContactChannel.EMAIL: ("email", email),
        ContactChannel.PHONE: ("phone", phone),
        ContactChannel.MAIL: ("postal_address", postal_address),
    }
    if preferred_channel in needs and "email" not in problems:
        column, value = needs[preferred_channel]
        if not value:
            problems["preferred_channel"] = (
                f"the preferred channel is {ContactChannel(preferred_channel).label.lower()} "
                f"but the {column} column is empty."
            )
    return problems


def parse_contacts_csv(
    data: bytes, group_ids: Mapping[str, int]
) -> tuple[list[ContactRow], list[CsvProblem]]:
    """Return the rows of an uploaded file, and every problem; import only when there are none.

    `group_ids` maps a group's casefolded name (and its kind, for seeded groups) to its id.
    """
    if len(data) > MAX_BYTES:
        return [], [CsvProblem(0, "", f"the file is larger than {MAX_BYTES // 1024 // 1024} MB.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [CsvProblem(0, "", f"the file is not UTF-8 text (byte {exc.start}).")]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        return [], [CsvProblem(1, "", "the file is empty; the first row must name the columns.")]
    columns = [cell.strip().casefold() for cell in header]
    problems = [
        CsvProblem(1, name or f"#{i + 1}", "unknown column; expected " + ", ".join(COLUMNS) + ".")
        for i, name in enumerate(columns)
        if name not in COLUMNS
    ]
    problems += [
        CsvProblem(1, name, "this column appears twice.")
        for name in sorted({c for c in columns if columns.count(c) > 1})
    ]
    problems += [
        CsvProblem(1, name, "required column is missing.")
        for name in REQUIRED_COLUMNS
        if name not in columns
    ]
    if problems:
        return [], problems
    rows: list[ContactRow] = []
    seen: dict[tuple[int, str], int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(CsvProblem(number, "", f"more than {MAX_ROWS} contacts in one file."))
            break
        row, row_problems = _parse_row(number, columns, cells, group_ids)
        problems += row_problems
        if row is None:
            continue
        if row.key() in seen:
            problems.append(
                CsvProblem(
                    number,
                    "email" if row.email else "name",
                    f"the same contact as row {seen[row.key()]} in the same group.",
                )
            )
            continue
        seen[row.key()] = number
        rows.append(row)
    return rows, problems


def _parse_row(number, columns, cells, group_ids):
    if len(cells) > len(columns):
        return None, [CsvProblem(number, "", f"{len(cells)} cells but {len(columns)} columns.")]
    values = dict.fromkeys(COLUMNS, "")
    for column, cell in zip(columns, cells, strict=False):
        values[column] = unneutralise(cell.strip())
    problems = [
        CsvProblem(number, column, f"longer than {limit} characters.")
        for column, limit in MAX_LENGTHS.items()
        if len(values[column]) > limit
    ]
    problems += [
        CsvProblem(number, column, "required, but empty.")
        for column in REQUIRED_COLUMNS
        if not values[column]
    ]
    group_id = group_ids.get(values["group"].casefold()) if values["group"] else None
    if values["group"] and group_id is None:
        problems.append(
            CsvProblem(number, "group", "no such group; add it to the directory first.")
        )
    channel = values["preferred_channel"]
    if channel:
        channel = channel_from_text(channel)
        if channel is None:
            problems.append(
                CsvProblem(
                    number,
                    "preferred_channel",
                    "unknown channel; use one of " + ", ".join(ContactChannel.values) + ".",
                )
            )
    else:
        channel = _default_channel(values)
    if channel:
        problems += [
            CsvProblem(number, column, problem)
            for column, problem in contact_detail_problems(
                email=values["email"],
                phone=values["phone"],
                postal_address=values["postal_address"],
                preferred_channel=channel,
            ).items()
        ]
    if problems:
        return None, problems
    return (
        ContactRow(
            row=number,
            group_id=group_id,
            name=values["name"],
            organisation=values["organisation"],
            role=values["role"],
            email=values["email"],
            phone=values["phone"],
            postal_address=values["postal_address"],
            preferred_channel=channel,
            notes=values["notes"],
        ),
        [],
    )


def _default_channel(values: Mapping[str, str]) -> str:
    if values["email"]:
        return ContactChannel.EMAIL
    if values["phone"]:
        return ContactChannel.PHONE
    return ContactChannel.MAIL


def contacts_csv_lines(contacts: Iterable) -> Iterator[str]:
    """Yield the directory as CSV text, header first, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(str(cell)) for cell in cells])
        return buffer.getvalue()

    yield line(COLUMNS)
    for contact in contacts:
        yield line(
            [
                contact.group.name,
                contact.name,
                contact.organisation,
                contact.role,
                contact.email,
                contact.phone,
                contact.postal_address,
                contact.preferred_channel,
                contact.notes,
            ]
        )


__all__ = [
    "ContactRow",
    "CsvProblem",
    "contact_detail_problems",
    "contacts_csv_lines",
    "neutralise",
    "parse_contacts_csv",
]
