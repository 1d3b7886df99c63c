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
ROW_KEYS = {
    "rule",
    "jurisdiction",
    "recipient",
    "citation",
    "due",
    "status",
    "basis",
    # Added for a basis counsel can defend (issue 18, item 9):
    "kind",
    "version",
    "effective_from",
    "effective_to",
    "needs_review",
    "anchor",
    "counted_from",
    "target",
    "le_hold",
    "holidays_skipped",
    "holds_applied",
    "notes",
    "questions",
    # Added for who the law binds and counsel's review (issue 19):
    "hipaa_status",
    "sources",
    "rule_hash",
}


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
    assert set(rows[0]) == ROW_KEYS
    # Jan 15 + 60 → Mar 16, 23:59:59 CDT.
    assert found["hipaa.individuals"]["due"] == "2026-03-16T23:59:59-05:00"
    assert found["hipaa.individuals"]["status"] == "due"
    # Total defaults to the sum (620 ≥ 500): HHS now, no annual log.
    assert "hipaa.hhs" in found
    assert "hipaa.hhs_annual" not in found
    assert "hipaa.media.US-CA" in found
    assert "hipaa.media.US-NY" not in found
    waiting = found["us-ny.attorney_general"]
    assert {key: waiting[key] for key in ("rule", "jurisdiction", "recipient", "citation")} == {
        "rule": "us-ny.attorney_general",
        "jurisdiction": "US-NY",
        "recipient": "New York Attorney General",
        "citation": "N.Y. Gen. Bus. Law § 899-aa(9)",
    }
    assert (waiting["due"], waiting["status"], waiting["basis"]) == (
        None,
        "waiting_for_anchor",
        "waiting for hhs_notice_sent",
    )


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
    assert found["us-sec.8k"]["holidays_skipped"] == ["2026-01-19"]
    assert "hipaa.ba_to_ce" in found
    assert "hipaa.substitute" in found


def test_gdpr_applies_through_an_establishment():
    rows = clocks(
        *BASE,
        "--event",
        "awareness=2026-03-06T10:00",
        "--affected",
        "DE=3",
        "--established-in",
        "DE",
    )
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


def test_each_row_carries_the_facts_behind_its_date():
    rows = clocks(
        *BASE,
        "--affected",
        "US-TX=300",
        "--affected",
        "US-FL=3",
        "--le-hold-oral",
        "2026-01-20T00:00",
        "--not-hipaa",  # Florida's own clock: a HIPAA notice would satisfy it (deemed)
    )
    found = by_rule(rows)
    texas = found["us-tx.individuals"]
    # Provisional from discovery until the determination: Jan 15 + 60 = Mar 16.
    assert (texas["status"], texas["due"], texas["counted_from"]) == (
        "provisional",
        "2026-03-16T23:59:59-05:00",
        "discovery",
    )
    assert texas["kind"] == "statutory"
    assert texas["effective_from"] == "2020-01-01"
    assert texas["needs_review"] is True
    assert texas["questions"]
    florida = found["us-fl.individuals"]
    assert florida["holds_applied"] == [
        {
            "type": "written_only",
            "start": "2026-01-20T00:00:00-06:00",
            "end": None,  # ignored, so not bounded to 30 days either
            "form": "oral",
            "effect": "no effect: oral: only a written request delays this notice",
        }
    ]
    proxy = by_rule(clocks(*BASE, "--affected", "US-NJ=3"))["us-nj.individuals"]
    assert proxy["kind"] == "proxy"
    assert "a proxy: the statute sets no number of days" in proxy["basis"]


def test_promptly_days_sets_the_hospital_policy():
    # CA: Jan 15 + 30 = Feb 14; hold Jan 20-Feb 10 (21 days) tolls to Mar 7; release Feb 10
    # + 5 days (default) = Feb 15, + 10 days = Feb 20.
    args = (*BASE, "--affected", "US-CA=3", "--le-hold", "2026-01-20T00:00/2026-02-10T00:00")
    assert by_rule(clocks(*args))["us-ca.individuals"]["due"] == "2026-02-15T23:59:59-06:00"
    found = by_rule(clocks(*args, "--promptly-days", "10"))["us-ca.individuals"]
    assert found["due"] == "2026-02-20T23:59:59-06:00"
    assert found["kind"] == "interpretation"


def test_an_ambiguous_local_time_is_taken_early_and_said():
    rows = clocks("--tz", "America/Chicago", "--event", "discovery=2026-11-01T01:30")
    assert "took the earlier instant" in by_rule(rows)["hipaa.individuals"]["notes"][0]


def test_sec_due_time_is_shown_in_the_hospital_zone():
    rows = clocks(
        "--tz",
        "America/Los_Angeles",
        "--event",
        "materiality_determination=2026-03-02T10:00",
        "--public-company",
    )
    # Mon Mar 2 + 4 business days = Fri Mar 6, 17:30 New York = 14:30 Los Angeles.
    assert by_rule(rows)["us-sec.8k"]["due"] == "2026-03-06T14:30:00-08:00"


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
        # Input that cannot be true (issue 18, item 8).
        (
            ["--affected", "US-CA=600", "--affected-total", "100"],
            "the total of 100 affected is below the 600 affected residents of US-CA",
        ),
        (["--event", "discovery=2026-03-08T02:30"], "does not exist in America/Chicago"),
        (
            ["--le-hold", "2026-03-08T02:30/2026-03-10T00:00"],
            "hold start 2026-03-08T02:30 does not exist",
        ),
        (["--event", "discovery=1899-12-31T10:00"], "the year must be from 1900 to 2199"),
        (["--event", "discovery=2200-01-01T10:00"], "the year must be from 1900 to 2199"),
        (["--on", "1899-01-01"], "the year must be from 1900 to 2199"),
        (["--promptly-days", "0"], "--promptly-days must be at least 1"),
        # Profile codes (issue 19).
        (["--licensed-in", "NY"], "--licensed-in: unknown code 'NY'"),
        (["--licensed-in", "US-XX"], "--licensed-in: unknown code 'US-XX'"),
        (["--licensed-in", "DE"], "--licensed-in: unknown code 'DE'"),
        (["--established-in", "EU"], "unknown country 'EU' .* list each EU or EEA country"),
        (["--established-in", "DEU"], "--established-in: unknown country 'DEU'"),
        (["--established-in", "US-NY"], "--established-in: unknown country 'US-NY'"),
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
        ["--tz", "America/Chicago", "--affected", "US-CA=600", "--affected-total", "100"],
        ["--tz", "America/Chicago", "--event", "discovery=2026-03-08T02:30"],
        ["--tz", "America/Chicago", "--event", "discovery=1899-12-31T10:00"],
        ["--tz", "America/Chicago", "--licensed-in", "XX-YY"],
        ["--tz", "America/Chicago", "--established-in", "EU"],
    ],
)
def test_cli_bad_input_prints_one_line_and_exits_2(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("clocks: error: ")


# --- the hospital's profile (issue 19) -----------------------------------------------------------


def test_without_profile_flags_a_covered_entity_licensed_nowhere_established_in_the_us():
    found = by_rule(
        clocks(
            *BASE,
            "--event",
            "awareness=2026-01-15T10:00",
            "--event",
            "cyber_incident_determination=2026-01-15T11:00",
            "--affected",
            "US-CA=3",
            "--affected",
            "DE=3",
            "--affected",
            "US-NM=3",
        )
    )
    assert "hipaa.individuals" in found
    for absent in ("us-ca.cdph", "us-ny.doh_cyber", "eu-gdpr.supervisory_authority", "uk.ico"):
        assert absent not in found, absent
    assert "us-nm.individuals" not in found  # § 57-12C-8: not for HIPAA entities
    assert "us-ca.individuals" in found  # residence still brings state breach laws in


def test_licensed_in_new_york_brings_in_the_72_hour_health_department_report():
    args = (*BASE, "--event", "cyber_incident_determination=2026-03-06T10:00")
    assert "us-ny.doh_cyber" not in by_rule(clocks(*args))
    found = by_rule(clocks(*args, "--licensed-in", "us-ny"))["us-ny.doh_cyber"]
    # 10:00 CST Mar 6 + 72 h across spring-forward (Mar 8) = 16:00Z Mar 9 = 11:00 CDT.
    assert (found["status"], found["due"]) == ("due", "2026-03-09T11:00:00-05:00")
    assert found["basis"].endswith("; applies: licensed in US-NY")
    assert found["hipaa_status"] == "applies"
    assert any("405.46" in source for source in found["sources"])


def test_licensed_in_california_brings_in_cdph_whatever_the_patients_residence():
    args = (*BASE, "--event", "detection=2026-03-02T08:00", "--affected", "US-NV=1")
    assert "us-ca.cdph" not in by_rule(clocks(*args))
    found = by_rule(clocks(*args, "--licensed-in", "US-CA"))["us-ca.cdph"]
    # Mon Mar 2 + 15 federal business days = Mon Mar 23.
    assert found["due"] == "2026-03-23T23:59:59-05:00"


@pytest.mark.parametrize(
    ("countries", "gdpr", "nis2", "uk"),
    [
        ((), False, False, False),
        (("DE",), True, True, False),
        (("NO",), True, False, False),  # EEA, not EU
        (("GB",), False, False, True),
        (("de", "GB"), True, True, True),
    ],
)
def test_established_in_brings_in_gdpr_nis2_and_uk_rules(countries, gdpr, nis2, uk):
    flags = [arg for country in countries for arg in ("--established-in", country)]
    found = by_rule(clocks(*BASE, "--event", "awareness=2026-03-06T10:00", *flags))
    assert ("eu-gdpr.supervisory_authority" in found) is gdpr
    assert ("eu-nis2.notification" in found) is nis2
    assert ("uk.ico" in found) is uk


def test_nis2_notification_sent_is_an_anchor_on_the_command_line():
    found = by_rule(
        clocks(
            *BASE,
            "--event",
            "awareness=2026-03-06T10:00",
            "--event",
            "nis2_notification_sent=2026-03-08T15:00",
            "--established-in",
            "FR",
        )
    )["eu-nis2.final_report"]
    # One month after the notification was sent (Mar 8) → Apr 8, 23:59:59 CDT.
    assert (found["status"], found["due"]) == ("due", "2026-04-08T23:59:59-05:00")


def test_not_hipaa_runs_the_states_own_clocks_and_drops_hipaa():
    args = (*BASE, "--affected", "US-NY=3", "--affected", "US-NM=3")
    covered = by_rule(clocks(*args))
    assert covered["us-ny.individuals"]["status"] == "deemed"
    assert covered["us-ny.individuals"]["due"] is None
    assert "us-nm.individuals" not in covered
    outside = by_rule(clocks(*args, "--not-hipaa"))
    # Jan 15 + 30 → Feb 14 (New York); + 45 → Mar 1 (New Mexico).
    assert outside["us-ny.individuals"]["due"] == "2026-02-14T23:59:59-06:00"
    assert outside["us-nm.individuals"]["due"] == "2026-03-01T23:59:59-06:00"
    assert not any(rule.startswith("hipaa.") for rule in outside)


def test_sec_registrant_brings_in_the_8k():
    args = (*BASE, "--event", "materiality_determination=2026-03-02T10:00")
    assert "us-sec.8k" not in by_rule(clocks(*args))
    assert "us-sec.8k" in by_rule(clocks(*args, "--sec-registrant"))


def test_each_row_carries_its_rule_hash_and_sources():
    for row in clocks(*BASE, "--affected", "US-CA=600"):
        assert len(row["rule_hash"]) == 64, row["rule"]
        assert row["sources"], row["rule"]
