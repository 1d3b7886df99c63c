"""Properties of the clock engine that must hold for any facts (hypothesis)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.clocks import (
    Hold,
    HospitalProfile,
    IncidentFacts,
    Status,
    incident_deadlines,
    load_rules,
)
from incidents.clocks.counting import (
    annual_due,
    business_day_count,
    is_business_day,
    offset_due,
)
from incidents.clocks.rules import ANCHOR_EVENTS, Offset

ZONES = ["America/Chicago", "America/Los_Angeles", "America/New_York", "Europe/Berlin", "UTC"]
REGIONS = [
    "US-CA",
    "US-NY",
    "US-TX",
    "US-FL",
    "US-VT",
    "US-IL",
    "US-ME",
    "US-CO",
    "US-NJ",
    "US-WA",
    "US-OK",
    "US-OR",
    "US-NM",
    "US-AL",
    "US-MN",
    "GU",
    "US-VI",
    "PR",
    "DE",
    "FR",
    "GB",
]
CALENDARS = ["US", "US-NY", "none"]
# A statute may make a hold bring a date forward: notice within N days of release.
MAY_COME_EARLIER = {"resume_within", "restart_after"}

instants = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2034, 12, 31), timezones=st.just(UTC)
)
offsets = st.builds(
    Offset,
    amount=st.integers(min_value=1, max_value=90),
    unit=st.sampled_from(["hours", "calendar_days", "business_days", "months"]),
)


profiles = st.builds(
    HospitalProfile,
    hipaa_covered_entity=st.booleans(),
    licensed_in=st.frozensets(st.sampled_from(["US-CA", "US-NY", "US-TX", "PR"])),
    ny_article_28_general_hospital=st.booleans(),
    sec_registrant=st.booleans(),
    established_in=st.frozensets(st.sampled_from(["DE", "FR", "IE", "NO", "GB", "CH"])).map(
        lambda countries: countries | {"US"}
    ),
)

NEAR = st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=200))


@st.composite
def holds(draw, near: datetime):
    """Draw a written or oral hold near ``near``, open or closed, of up to 90 days."""
    start = near + draw(NEAR)
    written = draw(st.booleans())
    length = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)))
    closed = draw(st.booleans()) or not written  # keep most written holds closed
    return Hold(start=start, end=start + length if closed else None, written=written)


@st.composite
def incident_facts(draw, with_holds=True):
    """Draw incident facts with any anchors, counts and flags."""
    names = draw(st.lists(st.sampled_from(ANCHOR_EVENTS), unique=True, max_size=len(ANCHOR_EVENTS)))
    base = draw(instants)
    events = {
        name: base + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=200)))
        for name in names
    }
    regions = draw(
        st.dictionaries(st.sampled_from(REGIONS), st.integers(min_value=0, max_value=2000))
    )
    return IncidentFacts(
        tz=draw(st.sampled_from(ZONES)),
        events=events,
        affected_by_region=regions,
        unreachable=draw(st.integers(min_value=0, max_value=30)),
        public_company=draw(st.booleans()),
        business_associate=draw(st.booleans()),
        holds=tuple(draw(st.lists(holds(base), max_size=3))) if with_holds else (),
        enabled_drafts=frozenset({"us-cisa.circia", "us-cisa.circia_ransom"}),
        profile=draw(profiles),
    )


def bound_by_another_notice(deadline) -> bool:
    """Return whether a "no later than" notice set the due time (§1.10)."""
    return "which comes first" in deadline.basis or "its own clock is waiting" in deadline.basis


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(incident_facts(with_holds=False))
def test_a_due_time_never_precedes_what_it_counts_from(facts):
    for deadline in incident_deadlines(facts):
        start = facts.events.get(deadline.counted_from)
        if deadline.due is None or start is None or bound_by_another_notice(deadline):
            continue
        assert deadline.due >= start
        if deadline.target is not None:
            assert start <= deadline.target <= deadline.due


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(incident_facts())
def test_the_target_is_never_after_the_due_time(facts):
    for deadline in incident_deadlines(facts):
        if deadline.target is not None and deadline.due is not None:
            assert deadline.target <= deadline.due


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(incident_facts(with_holds=False), st.data())
def test_a_hold_never_moves_a_due_time_earlier_unless_the_statute_says_so(facts, data):
    near = min(facts.events.values(), default=datetime(2026, 1, 1, tzinfo=UTC))
    extra_holds = data.draw(st.lists(holds(near), min_size=1, max_size=3))
    without = {d.rule_id: d for d in incident_deadlines(facts)}
    with_holds = replace(facts, holds=tuple(extra_holds))
    for deadline in incident_deadlines(with_holds):
        before = without[deadline.rule_id]
        assert deadline.status in (before.status, Status.TOLLED, Status.DUE)
        if deadline.le_hold in MAY_COME_EARLIER:
            continue
        if deadline.due is not None and before.due is not None:
            assert deadline.due >= before.due


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(incident_facts(with_holds=False), st.data())
def test_holds_do_nothing_to_a_rule_whose_holds_do_nothing(facts, data):
    near = min(facts.events.values(), default=datetime(2026, 1, 1, tzinfo=UTC))
    extra_holds = data.draw(st.lists(holds(near), min_size=1, max_size=3))
    without = {d.rule_id: d for d in incident_deadlines(facts)}
    for deadline in incident_deadlines(replace(facts, holds=tuple(extra_holds))):
        if deadline.le_hold == "none":
            assert (deadline.status, deadline.due) == (
                without[deadline.rule_id].status,
                without[deadline.rule_id].due,
            )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(incident_facts())
def test_hipaa_status_shapes_what_a_covered_entity_sees(facts):
    status_of = {(rule.id, rule.version): rule.hipaa_status for rule in load_rules()}
    for deadline in incident_deadlines(facts):
        rule_id = deadline.rule_id
        if (rule_id, deadline.version) not in status_of:  # hipaa.media.US-CA and the like
            rule_id = rule_id.rsplit(".", 1)[0]
        base = status_of[(rule_id, deadline.version)]
        if not facts.profile.hipaa_covered_entity:
            assert deadline.status != Status.DEEMED
            # Only a business associate's duty to its covered entity is HIPAA's without one.
            assert deadline.rule_id == "hipaa.ba_to_ce" or not deadline.rule_id.startswith("hipaa.")
            continue
        assert base != "not_applicable", deadline.rule_id
        assert (deadline.status == Status.DEEMED) is (base == "deemed"), deadline.rule_id
        if deadline.status == Status.DEEMED:
            assert (deadline.due, deadline.target) == (None, None)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(incident_facts())
def test_computing_twice_gives_identical_results(facts):
    assert incident_deadlines(facts) == incident_deadlines(facts)


@given(instants, offsets, st.sampled_from(ZONES), st.sampled_from(CALENDARS))
def test_an_offset_is_never_due_before_its_anchor(anchor, offset, zone, calendar):
    assert offset_due(anchor, offset, ZoneInfo(zone), calendar) >= anchor


@given(instants, offsets, st.sampled_from(ZONES), st.sampled_from(CALENDARS))
def test_day_clocks_are_due_at_23_59_59_local_and_business_days_on_a_business_day(
    anchor, offset, zone, calendar
):
    tz = ZoneInfo(zone)
    due = offset_due(anchor, offset, tz, calendar)
    if offset.unit == "hours":
        assert due - anchor == timedelta(hours=offset.amount)
        return
    assert due.timetz().replace(tzinfo=None) == datetime(2000, 1, 1, 23, 59, 59).time()
    if offset.unit == "business_days":
        assert is_business_day(due.date(), calendar)


@given(instants, offsets, st.sampled_from(ZONES), st.sampled_from(CALENDARS))
def test_a_business_day_count_names_every_weekday_holiday_it_passed(anchor, offset, zone, calendar):
    start = anchor.astimezone(ZoneInfo(zone)).date()
    end, skipped = business_day_count(start, offset.amount, calendar)
    passed = [
        start + timedelta(days=n)
        for n in range(1, (end - start).days + 1)
        if (start + timedelta(days=n)).weekday() < 5
    ]
    assert (end - start).days >= offset.amount
    assert sum(1 for day in passed if day not in skipped) == offset.amount
    assert all(not is_business_day(day, calendar) for day in skipped)


@given(instants, st.sampled_from(ZONES))
def test_the_annual_log_is_due_on_1_march_or_29_february(anchor, zone):
    tz = ZoneInfo(zone)
    due = annual_due(anchor, Offset(60, "calendar_days"), tz, "US")
    assert due.year == anchor.astimezone(tz).year + 1
    assert (due.month, due.day) in {(3, 1), (2, 29)}
