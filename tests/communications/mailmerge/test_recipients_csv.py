import csv
import io

import pytest

from communications.mailmerge.recipients_csv import (
    PHI_CATEGORIES,
    CsvProblem,
    error_report_csv,
    validate_recipients_csv,
)

HEADER = (
    "reference,name,address_line1,address_line2,city,region,postal_code,country,language,"
    "deceased,next_of_kin,phi_categories,email,email_consent"
)
GOOD_ROW = "R1,Jane Doe,1 Main St,Apt 2,Springfield,IL,62701,US,en,no,,name;ssn,,no"


def csv_file(*rows: str, header: str = HEADER, bom: bool = False) -> io.BytesIO:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def problem_cells(problems):
    return {(problem.row, problem.column) for problem in problems}


def test_valid_file_imports_normalised_rows():
    result = validate_recipients_csv(
        csv_file(GOOD_ROW, "R2,Ana Ruiz,5 Oak Ave,,Austin,tx,78701-1234,,es,,,SSN; diagnosis,,")
    )
    assert result.importable
    assert result.errors == [] and result.warnings == []
    first, second = result.rows
    assert first.row == 2 and first.phi_categories == ("name", "ssn")
    assert first.mailing_address_lines == (
        "Jane Doe",
        "1 Main St",
        "Apt 2",
        "Springfield, IL 62701",
    )
    assert second.region == "TX" and second.country == "US" and second.language == "es"
    assert second.phi_categories == ("ssn", "diagnosis")
    assert result.unusable_count == 0


def test_byte_order_mark_is_tolerated():
    result = validate_recipients_csv(csv_file(GOOD_ROW, bom=True))
    assert result.importable and result.rows[0].reference == "R1"


def test_bad_encoding_is_refused_naming_the_row():
    data = csv_file(GOOD_ROW).getvalue() + "R2,Jos\xe9,1 Main St,,Springfield,IL,62701\r\n".encode(
        "latin-1"
    )
    result = validate_recipients_csv(io.BytesIO(data))
    assert not result.importable
    (problem,) = result.errors
    assert problem.row == 3 and "UTF-8" in problem.problem


def test_missing_columns_are_one_error_naming_them():
    result = validate_recipients_csv(csv_file("R1,Jane", header="reference,name"))
    (problem,) = result.errors
    assert problem.row == 1
    assert problem.column == "address_line1, city, region, postal_code"
    assert result.rows == []


def test_ten_megabyte_line_is_refused_without_reading_it_all():
    class CountingFile(io.BytesIO):
        bytes_read = 0

        def readline(self, size=-1):
            line = super().readline(size)
            self.bytes_read += len(line)
            return line

    huge = CountingFile(csv_file(GOOD_ROW).getvalue() + b"R2," + b"x" * (10 * 1024 * 1024) + b"\n")
    result = validate_recipients_csv(huge, max_line_bytes=64 * 1024)
    (problem,) = result.errors
    assert problem.row == 3 and "longer than" in problem.problem
    assert huge.bytes_read < 200 * 1024


def test_too_many_rows_is_refused():
    rows = [f"R{i},Jane,1 Main St,,Springfield,IL,62701" for i in range(5)]
    result = validate_recipients_csv(csv_file(*rows), max_rows=3)
    assert result.errors[-1].row == 5 and "more than 3 rows" in result.errors[-1].problem


@pytest.mark.parametrize(
    "cell", ['"=HYPERLINK(""http://x"",""click"")"', "+1", "-2", "@SUM(A1)", '"\tx"', " =1+1"]
)
def test_formula_injection_is_an_error_naming_row_and_column(cell):
    result = validate_recipients_csv(
        csv_file(GOOD_ROW, f"R2,{cell},1 Main St,,Springfield,IL,62701")
    )
    assert (3, "name") in problem_cells(result.errors)
    assert len(result.rows) == 1


def test_formula_injection_in_postal_code_is_an_error_too():
    result = validate_recipients_csv(csv_file("R1,Jane,1 Main St,,Springfield,IL,-62701"))
    assert problem_cells(result.errors) == {(2, "postal_code")}


def test_duplicate_reference_is_an_error_pointing_at_the_first():
    result = validate_recipients_csv(csv_file(GOOD_ROW, GOOD_ROW.replace("Jane", "John")))
    (problem,) = result.errors
    assert (problem.row, problem.column) == (3, "reference")
    assert "row 2" in problem.problem


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (",Jane,1 Main St,,Springfield,IL,62701", "reference"),
        ("R1,,1 Main St,,Springfield,IL,62701", "name"),
        ("R1,Jane,1 Main St,,Springfield,IL,62701,US,en,no,,name;blood_type", "phi_categories"),
        ("R1,Jane,1 Main St,,Springfield,IL,62701,US,en,maybe", "deceased"),
        ("R1,Jane,1 Main St,,Springfield,IL,62701,US,en,no,,,not-an-email,yes", "email"),
        ("R1,Jane,1 Main St,,Springfield,IL,62701,US,en,no,,,,yes", "email_consent"),
        ("R1,Jane,1 Main St,,Springfield,IL,62701,US,english!", "language"),
    ],
)
def test_structurally_broken_row_is_an_error(row, column):
    result = validate_recipients_csv(csv_file(row))
    assert problem_cells(result.errors) == {(2, column)}
    assert result.rows == []


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("R1,Jane,1 Main St,,Springfield,IL,6270", "postal_code"),
        ("R1,Jane,1 Main St,,Springfield,XX,62701", "region"),
        ("R1,Jane,,,Springfield,IL,62701", "address_line1"),
        ("R1,Jane,1 High St,,London,,SW1A 1AA,UK", "country"),
        ("R1,Jane,1 High St,,London,,12345,GB", "postal_code"),
        ("R1,Jane,1 Rue X,,,,75001,FR", "city"),
        ("R1,Jane,Musterstr. 1,,Berlin,,,DE", "postal_code"),
    ],
)
def test_bad_address_imports_as_unusable_with_a_warning(row, column):
    result = validate_recipients_csv(csv_file(row))
    assert result.importable
    assert (2, column) in problem_cells(result.warnings)
    assert result.rows[0].address_usable is False
    assert result.unusable_count == 1 and result.unreachable_count == 1


def test_unusable_address_with_email_consent_is_not_unreachable():
    row = "R1,Jane,1 Main St,,Springfield,IL,1,US,en,no,,name,jane@example.org,yes"
    result = validate_recipients_csv(csv_file(row))
    assert result.unusable_count == 1 and result.unreachable_count == 0
    assert result.rows[0].emailable


@pytest.mark.parametrize(
    "row",
    [
        "R1,Jane,1 High St,,London,,sw1a 1aa,GB",
        "R1,Jane,1 Rue X,,Toronto,ON,K1A 0B1,CA",
        "R1,Jane,1 Main St,,Dublin,,,IE",
        "R1,Jane,1 Nathan Rd,,Kowloon,,,HK",
        "R1,Jane,1 Via Roma,,Roma,RM,00100,IT",
    ],
)
def test_foreign_addresses_follow_their_country(row):
    result = validate_recipients_csv(csv_file(row))
    assert result.rows[0].address_usable, result.warnings


def test_foreign_address_block_ends_with_the_country():
    result = validate_recipients_csv(csv_file("R1,Jane,1 Rue X,,Paris,,75001,FR"))
    assert result.rows[0].mailing_address_lines[-1] == "FRANCE"


def test_deceased_recipient_is_addressed_to_next_of_kin_or_estate():
    result = validate_recipients_csv(
        csv_file(
            "R1,Jane Doe,1 Main St,,Springfield,IL,62701,US,en,yes,John Doe,ssn",
            "R2,Ann Roe,1 Main St,,Springfield,IL,62701,US,en,yes,,ssn",
        )
    )
    kin, estate = result.rows
    assert kin.addressee_name == "John Doe"
    assert estate.addressee_name == "Estate of Ann Roe"
    assert problem_cells(result.warnings) == {(3, "next_of_kin")}


def test_phi_vocabulary_is_fixed():
    assert "ssn" in PHI_CATEGORIES and len(PHI_CATEGORIES) == len(set(PHI_CATEGORIES)) == 12


def test_problems_never_quote_patient_data():
    result = validate_recipients_csv(
        csv_file(
            "R1,Zebediah Quux,1 Main St,,Springfield,IL,ZZ9,US,en,perhaps,,name,zq@bad",
            "R1,Zebediah Quux,1 Main St,,Springfield,IL,62701",
        )
    )
    report = error_report_csv(result.errors + result.warnings)
    assert "Zebediah" not in report and "ZZ9" not in report and "zq@bad" not in report


def test_error_report_names_row_and_column_and_neutralises_formulas():
    result = validate_recipients_csv(
        csv_file(
            GOOD_ROW, 'R2,"=HYPERLINK(""http://x"",""click"")",1 Main St,,Springfield,IL,62701'
        )
    )
    report = list(csv.reader(io.StringIO(error_report_csv(result.errors))))
    assert report[0] == ["row", "column", "problem"]
    assert report[1][:2] == ["3", "name"]
    hostile = error_report_csv([CsvProblem(2, "=cmd", "@SUM(1)")])
    assert "'=cmd" in hostile and "'@SUM(1)" in hostile


def test_unknown_columns_are_ignored_with_a_warning():
    result = validate_recipients_csv(
        csv_file(
            "R1,Jane,1 Main St,,Springfield,IL,62701,US,x",
            header=HEADER.split(",language")[0] + ",shoe_size",
        )
    )
    assert problem_cells(result.warnings) == {(1, "shoe_size")}
    assert result.importable


def test_more_cells_than_columns_is_an_error():
    result = validate_recipients_csv(
        csv_file("R1,Jane,1 Main St,,Springfield,IL,62701,US,en,no,,ssn,,no,surprise")
    )
    assert problem_cells(result.errors) == {(2, "")}


def test_empty_phi_categories_warn():
    result = validate_recipients_csv(csv_file("R1,Jane,1 Main St,,Springfield,IL,62701,US,en,no,,"))
    assert result.importable and problem_cells(result.warnings) == {(2, "phi_categories")}
