from types import SimpleNamespace

import pytest

from communications.stakeholders.contacts_csv import (
    contacts_csv_lines,
    neutralise,
    parse_contacts_csv,
)

GROUPS = {"workforce": 1, "regulators": 2, "board and executives": 3}


def parse(text: str):
    return parse_contacts_csv(text.encode(), GROUPS)


def test_a_valid_file_gives_rows_with_group_ids_and_default_channels():
    rows, problems = parse(
        "Group,Name,Email,Phone,postal_address\n"
        "Workforce,Ana Diaz,ana@example.org,,\n"
        "regulators,State AG,,+1 555 0100,\n"
        "Board and Executives,Chair,,,1 Main St\n"
    )
    assert problems == []
    assert [(r.group_id, r.name, r.preferred_channel) for r in rows] == [
        (1, "Ana Diaz", "email"),
        (2, "State AG", "phone"),
        (3, "Chair", "mail"),
    ]


def test_every_problem_names_row_and_column_without_quoting_the_value():
    rows, problems = parse(
        "group,name,email,preferred_channel\n"
        "Workforce,Ana,not-an-email,\n"
        "Nowhere,Bob,bob@example.org,\n"
        "Workforce,,c@example.org,\n"
        "Workforce,Dee,d@example.org,pigeon\n"
        "Workforce,Eve,,email\n"
    )
    messages = [str(p) for p in problems]
    assert "Row 2, column email: not a valid email address." in messages
    assert "Row 3, column group: no such group; add it to the directory first." in messages
    assert "Row 4, column name: required, but empty." in messages
    assert any(m.startswith("Row 5, column preferred_channel: unknown channel") for m in messages)
    assert "Row 6, column email: give at least one of email, phone or postal address." in messages
    assert not any("not-an-email" in m or "Nowhere" in m or "pigeon" in m for m in messages)
    assert rows == []


def test_a_preferred_channel_without_its_detail_is_a_problem():
    _, problems = parse("group,name,phone,preferred_channel\nWorkforce,Ana,555,email\n")
    assert [str(p) for p in problems] == [
        "Row 2, column preferred_channel: the preferred channel is email but the email column "
        "is empty."
    ]


def test_unknown_and_missing_columns_are_reported_on_the_header_row():
    _, problems = parse("name,fax\nAna,1\n")
    assert {str(p) for p in problems} >= {
        "Row 1, column group: required column is missing.",
    }
    assert any(str(p).startswith("Row 1, column fax: unknown column") for p in problems)


def test_the_same_contact_twice_in_a_group_is_a_problem():
    _, problems = parse(
        "group,name,email\nWorkforce,Ana,a@example.org\nWorkforce,Ann,A@example.org\n"
    )
    assert [str(p) for p in problems] == [
        "Row 3, column email: the same contact as row 2 in the same group."
    ]


def test_a_file_that_is_not_utf8_is_refused_by_name():
    _, problems = parse_contacts_csv(b"group,name\nWorkforce,\xff\xfe\n", GROUPS)
    assert "not UTF-8" in str(problems[0])


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_cells_a_spreadsheet_would_run(start):
    assert neutralise(f"{start}cmd") == f"'{start}cmd"
    assert neutralise("plain") == "plain"


def test_an_exported_file_imports_back_unchanged():
    group = SimpleNamespace(name="Workforce")
    contact = SimpleNamespace(
        group=group,
        name="=HYPERLINK(evil)",
        organisation="@corp",
        role="-lead",
        email="ana@example.org",
        phone="+1 555 0100",
        postal_address="1 Main St",
        preferred_channel="phone",
        notes="line one",
    )
    text = "".join(contacts_csv_lines([contact]))
    assert "'=HYPERLINK(evil)" in text and "'+1 555 0100" in text and "'@corp" in text
    rows, problems = parse(text)
    assert problems == []
    assert (rows[0].name, rows[0].organisation, rows[0].role, rows[0].phone) == (
        "=HYPERLINK(evil)",
        "@corp",
        "-lead",
        "+1 555 0100",
    )
