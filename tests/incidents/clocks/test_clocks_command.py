"""``manage.py clocks``: JSON out for good input; one stderr line and exit 2 for bad input."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]
BASE = ["--tz", "America/Chicago", "--event", "discovery=2026-01-15T09:30"]


def clocks(*args: str) -> list[dict]:
    """Run the command in-process and return its JSON output."""
    out = StringIO()
    call_command("clocks", *args, stdout=out)
    return json.loads(out.getvalue())


def by_rule(rows: list[dict]) -> dict[str, dict]:
    """Return the rows keyed by rule id."""
    return {row["rule"]: row for row in rows}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``manage.py clocks`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "manage.py", "clocks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_prints_one_object_per_applicable_rule():
    rows = clocks(*BASE, "--affected", "US-CA=600", "--affected", "US-NY=20", "--format", "json")
    found = by_rule(rows)
    assert set(rows[0]) == {
        "rule",
        "jurisdiction",
        "recipient",
        "citation",
        "due",
        "status",
        "basis",
    }
    # Jan 15 + 60 → Mar 16, 23:59:59 CDT.
    assert found["hipaa.individuals"]["due"] == "2026-03-16T23:59:59-05:00"
    assert found["hipaa.individuals"]["status"] == "due"
    # Total defaults to the sum (620 ≥ 500): HHS now, no annual log.
    assert "hipaa.hhs" in found
    assert "hipaa.hhs_annual" not in found
    assert "hipaa.media.US-CA" in found
    assert "hipaa.media.US-NY" not in found
    assert found["us-ny.attorney_general"] == {
        "rule": "us-ny.attorney_general",
        "jurisdiction": "US-NY",
        "recipient": "New York Attorney General",
        "citation": "N.Y. Gen. Bus. Law § 899-aa(9)",
        "due": None,
        "status": "waiting_for_anchor",
        "basis": "waiting for hhs_notice_sent",
    }


def test_affected_total_overrides_the_sum():
    found = by_rule(
        clocks(
            *BASE, "--affected", "US-CA=400", "--affected", "US-NY=200", "--affected-total", "499"
        )
    )
    assert "hipaa.hhs_annual" in found
    assert "hipaa.hhs" not in found


def test_flags_switch_on_sec_business_associate_and_substitute_rules():
    found = by_rule(
        clocks(
            *BASE,
            "--event",
            "materiality_determination=2026-01-16T10:00",
            "--public-company",
            "--business-associate",
            "--unreachable",
            "10",
        )
    )
    # Fri Jan 16: Mon 19 is MLK Day, so Tue 20 (1), 21 (2), 22 (3), Fri Jan 23 (4), by the
    # EDGAR cut-off of 17:30 New York time = 16:30 in Chicago.
    assert found["us-sec.8k"]["due"] == "2026-01-23T16:30:00-06:00"
    assert "hipaa.ba_to_ce" in found
    assert "hipaa.substitute" in found


def test_gdpr_applies_when_an_eu_member_state_is_affected():
    rows = clocks(*BASE, "--event", "awareness=2026-03-06T10:00", "--affected", "DE=3")
    found = by_rule(rows)
    # 10:00 CST + 72 h across spring-forward = 11:00 CDT.
    assert found["eu-gdpr.supervisory_authority"]["due"] == "2026-03-09T11:00:00-05:00"
    assert found["eu-gdpr.individuals"]["due"] is None
    assert found["eu-gdpr.individuals"]["status"] == "due"


def test_time_with_an_offset_is_taken_as_given():
    rows = clocks("--tz", "America/Chicago", "--event", "discovery=2026-01-16T05:30+00:00")
    # 05:30Z Jan 16 is 23:30 CST Jan 15: the local date governs → Mar 16.
    assert by_rule(rows)["hipaa.individuals"]["due"] == "2026-03-16T23:59:59-05:00"


def test_written_hold_tolls_the_hipaa_clock():
    rows = clocks(*BASE, "--le-hold", "2026-02-01T00:00/2026-02-20T00:00")
    found = by_rule(rows)["hipaa.individuals"]
    # Mar 16 + 19 days → Apr 4.
    assert found["due"] == "2026-04-04T23:59:59-05:00"
    assert "tolled 19 days by law-enforcement hold" in found["basis"]


def test_oral_hold_without_end_is_bounded_to_thirty_days():
    rows = clocks(*BASE, "--le-hold-oral", "2026-02-01T00:00")
    # Mar 16 + 30 days → Apr 15.
    assert by_rule(rows)["hipaa.individuals"]["due"] == "2026-04-15T23:59:59-05:00"
    assert all(row["status"] in {"due", "waiting_for_anchor"} for row in rows)


def test_draft_rules_need_enable_draft():
    args = ("--tz", "UTC", "--event", "awareness=2026-03-06T10:00")
    assert "us-cisa.circia" not in by_rule(clocks(*args))
    found = by_rule(clocks(*args, "--enable-draft", "us-cisa.circia"))
    assert found["us-cisa.circia"]["due"] == "2026-03-09T10:00:00+00:00"


def test_text_format_prints_one_line_per_deadline():
    out = StringIO()
    call_command("clocks", *BASE, "--format", "text", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("due") and "hipaa.individuals" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "breach=2026-01-15"], "unknown event 'breach'"),
        (["--event", "discovery=2026-02-30"], "bad date/time '2026-02-30'"),
        (["--event", "discovery"], "--event expects NAME=TIME"),
        (["--event", "le_hold_start=2026-02-01"], "record holds with --le-hold"),
        (["--affected", "XX=3"], "unknown ISO 3166 code 'XX'"),
        (["--affected", "US-ZZ=3"], "unknown ISO 3166 code 'US-ZZ'"),
        (["--affected", "US-CA=many"], "expected a whole number"),
        (["--le-hold", "2026-02-01T00:00"], "--le-hold expects START/END"),
        (["--le-hold", "2026-02-20/2026-02-01"], "ends before it starts"),
        (["--enable-draft", "hipaa.hhs"], "is not a draft rule"),
        (["--unreachable", "-1"], "cannot be negative"),
    ],
)
def test_bad_input_raises_a_command_error_with_exit_status_2(args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("clocks", "--tz", "America/Chicago", *args, stdout=StringIO())
    assert caught.value.returncode == 2


def test_unknown_time_zone_is_a_command_error():
    with pytest.raises(CommandError, match="unknown time zone 'Mars/Base'"):
        call_command("clocks", "--tz", "Mars/Base", stdout=StringIO())


def test_cli_prints_json_and_exits_0():
    result = run_cli(*BASE, "--affected", "US-CA=600", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert by_rule(json.loads(result.stdout))["us-ca.individuals"]["due"] == (
        "2026-02-14T23:59:59-06:00"  # Jan 15 + 30
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--tz", "America/Chicago", "--event", "breach=2026-01-15"],
        ["--tz", "America/Chicago", "--event", "discovery=yesterday"],
        ["--tz", "America/Chicago", "--affected", "XX=1"],
        ["--tz", "Mars/Base"],
        ["--tz", "America/Chicago", "--no-such-option"],
        ["--tz", "America/Chicago", "--affected-total", "many"],
        ["--tz", "America/Chicago", "--format", "xml"],
        [],
    ],
)
def test_cli_bad_input_prints_one_line_and_exits_2(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("clocks: error: ")
