from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.clocks import load_rules
from incidents.reminders import ladders

CHICAGO = ZoneInfo("America/Chicago")


def names_and_times(deadline, ladder, tz=CHICAGO):
    return [(rung.name, due) for rung, due in ladders.ladder_times(deadline, ladder, tz)]


def test_day_clock_ladder_is_seven_three_one_days_four_hours_and_overdue():
    deadline = datetime(2026, 6, 20, 17, 0, tzinfo=UTC)
    ladder = ladders.ladder_for_rule("hipaa.hhs", "calendar_days")
    assert names_and_times(deadline, ladder) == [
        ("T-7d", datetime(2026, 6, 13, 17, 0, tzinfo=UTC)),
        ("T-3d", datetime(2026, 6, 17, 17, 0, tzinfo=UTC)),
        ("T-1d", datetime(2026, 6, 19, 17, 0, tzinfo=UTC)),
        ("T-4h", datetime(2026, 6, 20, 13, 0, tzinfo=UTC)),
        ("overdue", deadline),
    ]


def test_hour_clock_ladder_is_twenty_four_twelve_two_hours_and_overdue():
    deadline = datetime(2026, 6, 20, 17, 0, tzinfo=UTC)
    ladder = ladders.ladder_for_rule("eu-gdpr.supervisory_authority", "hours")
    assert names_and_times(deadline, ladder) == [
        ("T-24h", deadline - timedelta(hours=24)),
        ("T-12h", deadline - timedelta(hours=12)),
        ("T-2h", deadline - timedelta(hours=2)),
        ("overdue", deadline),
    ]


def test_only_overdue_escalates():
    ladder = ladders.parse_ladder(ladders.DAY_CLOCK_LADDER)
    assert [rung.name for rung in ladder if rung.escalation] == ["overdue"]


def test_day_rungs_keep_the_local_hour_across_a_daylight_saving_change():
    # 5 pm Chicago on 10 March 2026 (CDT, UTC-5); a week earlier is CST (UTC-6).
    deadline = datetime(2026, 3, 10, 17, 0, tzinfo=CHICAGO)
    due = ladders.rung_due(deadline, ladders.parse_rung("T-7d"), CHICAGO)
    assert due.astimezone(CHICAGO).hour == 17
    assert deadline - due == timedelta(days=7, hours=-1)


def test_hour_rungs_are_exact_durations_across_a_daylight_saving_change():
    deadline = datetime(2026, 3, 8, 12, 0, tzinfo=CHICAGO)
    due = ladders.rung_due(deadline, ladders.parse_rung("T-12h"), CHICAGO)
    assert deadline - due == timedelta(hours=12)
    assert due.astimezone(CHICAGO).hour == 23  # the clock jumped at 2 am


def test_hhs_annual_log_adds_a_reminder_on_the_second_of_january():
    deadline = datetime(2027, 3, 1, 23, 59, 59, tzinfo=CHICAGO)
    ladder = ladders.ladder_for_rule("hipaa.hhs_annual", "calendar_days")
    january = dict(names_and_times(deadline, ladder))["january"]
    assert january == datetime(2027, 1, 2, 9, 0, tzinfo=CHICAGO)


def test_a_per_state_expansion_uses_its_rules_ladder():
    ladders.RULE_LADDERS["test.rule"] = ("T-2d", "overdue")
    try:
        assert [r.name for r in ladders.ladder_for_rule("test.rule.US-CA", "hours")] == [
            "T-2d",
            "overdue",
        ]
    finally:
        del ladders.RULE_LADDERS["test.rule"]


def test_every_configured_ladder_parses_and_names_a_shipped_rule():
    shipped = {rule.id for rule in load_rules()}
    for rule_id, names in ladders.RULE_LADDERS.items():
        assert rule_id in shipped
        assert ladders.parse_ladder(names)


@pytest.mark.parametrize("bad", ["T-0d", "T-3w", "seven days", "T-d"])
def test_an_unknown_rung_is_refused_with_the_accepted_forms(bad):
    with pytest.raises(ladders.LadderError, match="T-<n>d"):
        ladders.parse_rung(bad)


def test_a_ladder_naming_a_rung_twice_is_refused():
    with pytest.raises(ladders.LadderError, match="twice"):
        ladders.parse_ladder(("T-1d", "T-1d"))


def test_review_reminds_at_the_sla_and_escalates_at_twice_the_sla():
    started = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    (sla, sla_due), (twice, twice_due) = ladders.review_times(started, 1)
    assert (sla.name, sla_due, sla.escalation) == ("sla", started + timedelta(hours=1), False)
    assert (twice.name, twice_due, twice.escalation) == (
        "2xsla",
        started + timedelta(hours=2),
        True,
    )


def test_substitute_notice_checks_at_thirty_sixty_and_ninety_days():
    posted = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    times = ladders.substitute_notice_times(posted)
    assert [(r.name, due - posted) for r, due in times] == [
        ("day-30", timedelta(days=30)),
        ("day-60", timedelta(days=60)),
        ("day-90", timedelta(days=90)),
    ]


def test_a_naive_deadline_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        ladders.rung_due(datetime(2026, 1, 1), ladders.parse_rung("T-1d"), CHICAGO)


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=40), "40 minutes"),
        (timedelta(hours=2, minutes=5), "2 hours 5 minutes"),
        (timedelta(days=3, hours=4, minutes=9), "3 days 4 hours"),
        (timedelta(days=1), "1 day"),
    ],
)
def test_durations_read_as_words(span, text):
    assert ladders.describe_duration(span) == text
