import io

import pytest

from communications.mailmerge.recipients_csv import validate_recipients_csv
from communications.spreadsheet_csv import (
    CsvProblem,
    is_valid_email,
    neutralise,
    unneutralise,
)
from communications.stakeholders.contacts_csv import contact_detail_problems

RECIPIENT_HEADER = "reference,name,address_line1,city,region,postal_code,email"


def recipient_email_refused(address: str) -> bool:
    data = f"{RECIPIENT_HEADER}\nR1,Jane,1 Main St,Springfield,IL,62701,{address}\n"
    result = validate_recipients_csv(io.BytesIO(data.encode()))
    return any(problem.column == "email" for problem in result.errors)


def contact_email_refused(address: str) -> bool:
    problems = contact_detail_problems(
        email=address, phone="", postal_address="", preferred_channel="email"
    )
    return "email" in problems


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("jane@example.org", True),
        ("jane.doe+letters@mail.example.co", True),
        ("not-an-email", False),
        ("jane@example", False),
        ("jane..doe@example.org", False),
        ("jane,doe@example.org", False),
        ("jane@example.org.", False),
        ("j" * 64 + "@" + "e" * 185 + ".org", False),  # 254 is the longest mailbox
    ],
)
def test_both_csv_readers_accept_and_refuse_the_same_email_addresses(address, valid):
    assert is_valid_email(address) is valid
    assert recipient_email_refused(address) is not valid
    assert contact_email_refused(address) is not valid


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_neutralised_formula_cell_round_trips(start):
    cell = f"{start}HYPERLINK(1)"
    assert neutralise(cell) == "'" + cell
    assert unneutralise(neutralise(cell)) == cell
    assert unneutralise("'quoted on purpose") == "'quoted on purpose"


def test_a_problem_names_row_and_column():
    assert str(CsvProblem(3, "email", "not a valid email address.")) == (
        "Row 3, column email: not a valid email address."
    )
    assert str(CsvProblem(1, "", "the file is empty")) == "Row 1: the file is empty"
