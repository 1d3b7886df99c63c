"""Hostile input: upload size and row limits, formula cells in exported CSV, HTML in drafts.

The PDF renderer's own fetch tests (nothing outside our static files is ever fetched, hostile
HTML fetches nothing) live in tests/communications/pdf/test_render.py.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communications.documents.markup import body_to_html
from communications.mailmerge.recipients_csv import validate_recipients_csv
from incidents.forms import MAX_REGION_CSV_BYTES
from tests.incidents.factories import open_incident

FORMULAS = ("=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1")
HEADER = "reference,name,address_line1,city,region,postal_code\n"


@pytest.mark.django_db
def test_a_region_csv_over_the_size_limit_is_refused_and_nothing_saved(
    client, command_user, legal_user
):
    incident = open_incident(command_user)
    client.force_login(legal_user)
    big = b"US-CA,1\n" * (MAX_REGION_CSV_BYTES // 8 + 10)
    response = client.post(
        reverse("incidents:regions_import", args=[incident.pk]),
        {"file": SimpleUploadedFile("counts.csv", big, content_type="text/csv")},
    )
    assert response.status_code == 400
    assert b"larger than 256 KB" in response.content
    assert not incident.regions.exists()


def test_a_recipient_csv_over_the_row_limit_is_refused():
    rows = "".join(f"R{i},Name {i},{i} Main St,Springfield,IL,62701\n" for i in range(6))
    result = validate_recipients_csv(io.BytesIO((HEADER + rows).encode()), max_rows=5)
    assert not result.importable
    assert any("more than 5 rows" in problem.problem for problem in result.errors)


def test_a_recipient_csv_with_an_overlong_line_is_refused():
    line = "R1," + "x" * 5000 + ",1 Main St,Springfield,IL,62701\n"
    result = validate_recipients_csv(io.BytesIO((HEADER + line).encode()), max_line_bytes=1024)
    assert not result.importable


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_cell_in_a_recipient_csv_is_an_error(formula):
    row = f"R1,{formula},1 Main St,Springfield,IL,62701\n"
    result = validate_recipients_csv(io.BytesIO((HEADER + row).encode()))
    assert not result.importable


@pytest.mark.django_db
def test_the_stakeholder_export_neutralises_formula_cells(client, comms_user):
    from communications.models import Contact, StakeholderGroup
    from communications.stakeholders.services import stakeholder_groups_seed

    stakeholder_groups_seed()
    group = StakeholderGroup.objects.order_by("pk").first()
    for index, formula in enumerate(FORMULAS):
        Contact.objects.create(
            group=group,
            name=f"{formula} name {index}",
            organisation='=HYPERLINK("http://evil.example","click")',
            notes="@cmd",
        )
    client.force_login(comms_user)
    response = client.get(reverse("stakeholders:export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    dangerous = [c for c in cells if c[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert dangerous == []
    assert "'=HYPERLINK" in body


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(https://evil.example/t.png)">x</p>',
        "<svg><script>alert(1)</script></svg>",
        '<link rel="stylesheet" href="https://evil.example/x.css">',
    ],
)
def test_html_in_a_draft_is_sanitised(hostile):
    html = body_to_html(f"Statement text.\n\n{hostile}\n")
    lowered = html.lower()
    for marker in ("<script", "onerror", "javascript:", "data:", "<iframe", "style=", "<svg"):
        assert marker not in lowered, (hostile, html)
    assert "<link" not in lowered
