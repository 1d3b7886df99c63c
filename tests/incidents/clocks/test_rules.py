"""Rule files load, validate, and name the file, rule and field when they do not."""

from datetime import date
from pathlib import Path

import pytest

from incidents.clocks import Applicability, Offset, RuleError, load_rules, rule_from_mapping
from incidents.clocks.codes import US_SUBDIVISIONS, is_us_subdivision
from incidents.clocks.loader import RULES_DIRECTORY, check_rule_set, rules_from_file

NAMED_IDS = {
    "hipaa.individuals",
    "hipaa.substitute",
    "hipaa.media",
    "hipaa.hhs",
    "hipaa.hhs_annual",
    "hipaa.ba_to_ce",
    "us-ca.cdph",
    "us-ca.individuals",
    "us-ca.attorney_general",
    "us-ny.individuals",
    "us-ny.attorney_general",
    "us-tx.individuals",
    "us-tx.attorney_general",
    "eu-gdpr.supervisory_authority",
    "eu-gdpr.individuals",
    "us-sec.8k",
    "us-cisa.circia",
    "us-cisa.circia_ransom",
    "us-fl.individuals",
    "us-fl.attorney_general",
    "us-co.individuals",
    "us-wa.individuals",
    "us-vt.individuals",
    "us-vt.attorney_general",
    "us-ct.individuals",
    "us-de.individuals",
    "us-pr.daco",
    "eu-nis2.early_warning",
    "eu-nis2.notification",
    "eu-nis2.final_report",
    "uk.ico",
    "uk.nis",
    "us-ny.state_agencies",
    # Issue 19: the missing duties and the conditional copies a deemed status needs.
    "us-ny.doh_cyber",
    "us-ok.attorney_general",
    "us-gu.individuals",
    "us-vi.individuals",
    "us-fl.department_copy",
    "us-or.attorney_general_copy",
    "us-al.attorney_general_copy",
    "us-wa.attorney_general_hipaa",
    "us-il.attorney_general",
}
NAMED_STATES = {"CA", "NY", "TX", "FL", "CO", "WA", "VT", "CT", "DE"}
STATES_AND_DC = sorted(
    code[3:] for code in US_SUBDIVISIONS if code[3:] not in {"AS", "GU", "MP", "PR", "UM", "VI"}
)

TODAY = date(2026, 6, 1)

VALID = {
    "id": "hospital.insurer_hotline",
    "jurisdiction": "US",
    "framework": "Cyber insurance policy",
    "citation": "Policy section 7.2",
    "recipient": "insurer breach hotline",
    "anchor": "discovery",
    "offset": {"amount": 24, "unit": "hours"},
}


def write_rules(directory: Path, name: str, text: str) -> Path:
    """Write one rule file and return its path."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


CDPH_WEEKS = """
[defaults]
jurisdiction = "US-CA"
hipaa_status = "applies"

[[rules]]
id = "us-ca.cdph"
framework = "California Health and Safety Code"
citation = "Cal. Health & Safety Code § 1280.15"
recipient = "CDPH"
anchor = "detection"
offset = { amount = 3, unit = "weeks" }
"""


# --- the shipped rules ------------------------------------------------------------------------


def test_every_shipped_file_loads():
    files = sorted(RULES_DIRECTORY.glob("*.toml"))
    assert len(files) >= 55  # us, eu, gb, pr and the 50 states + DC
    for path in files:
        assert rules_from_file(path), path.name


def test_one_file_per_jurisdiction():
    for rule in load_rules():
        assert rule.source == f"{rule.jurisdiction.lower()}.toml"


def test_ids_are_unique_on_any_given_day():
    rules = load_rules()
    check_rule_set(rules)  # raises on duplicate (id, version) or overlapping versions
    for day in (date(2019, 1, 1), date(2025, 6, 1), date(2026, 1, 1), date(2030, 1, 1)):
        ids = [rule.id for rule in rules if rule.in_effect_on(day)]
        assert len(ids) == len(set(ids)), day


def test_every_named_rule_is_shipped():
    missing = NAMED_IDS - {rule.id for rule in load_rules()}
    assert missing == set()


def test_every_state_and_dc_has_an_individual_notice_rule():
    ids = {rule.id for rule in load_rules()}
    missing = [code for code in STATES_AND_DC if f"us-{code.lower()}.individuals" not in ids]
    assert len(STATES_AND_DC) == 51
    assert missing == []


def test_unnamed_states_are_marked_for_review():
    unnamed = [
        rule
        for rule in load_rules()
        if rule.jurisdiction.startswith("US-") and rule.jurisdiction[3:] not in NAMED_STATES
    ]
    assert unnamed
    assert all(rule.needs_review for rule in unnamed)


def test_cisa_rules_are_drafts_and_nothing_else_is():
    drafts = {rule.id for rule in load_rules() if rule.draft}
    assert drafts == {"us-cisa.circia", "us-cisa.circia_ransom"}


def test_key_shipped_values():
    rules = {rule.id: rule for rule in load_rules() if rule.in_effect_on(date(2026, 6, 1))}
    assert rules["hipaa.individuals"].target == Offset(30, "calendar_days")
    assert rules["us-ca.cdph"].calendar == "US"  # § 1280.15 does not define business days
    assert rules["us-sec.8k"].calendar == "US"
    assert rules["us-ny.attorney_general"].anchor == "hhs_notice_sent"
    assert rules["us-ny.attorney_general"].offset == Offset(5, "business_days")
    assert rules["us-ny.attorney_general"].calendar == "US-NY"
    assert rules["hipaa.hhs_annual"].annual
    assert rules["eu-gdpr.individuals"].without_undue_delay
    assert rules["eu-gdpr.individuals"].offset is None
    assert rules["eu-nis2.final_report"].offset == Offset(1, "months")
    assert rules["eu-nis2.final_report"].anchor == "nis2_notification_sent"
    assert rules["eu-nis2.final_report"].provisional_from_rule == "eu-nis2.notification"
    assert "fewer than 10" in rules["hipaa.substitute"].notes.lower()


@pytest.mark.parametrize(
    ("rule_id", "semantic", "after"),
    [
        ("hipaa.individuals", "tolls", None),
        ("hipaa.hhs", "tolls", None),
        ("hipaa.hhs_annual", "extend_to_release", None),
        ("us-fl.individuals", "written_only", None),
        # The 2019 text of 10 M.R.S. § 1348(3), not REGULATORY_CLOCKS §1.6's resume_within: the
        # rule asks counsel (test_holds.py).
        ("us-me.individuals", "restart_after", Offset(7, "business_days")),
        ("us-co.individuals", "restart_after", Offset(30, "calendar_days")),
        ("us-ca.cdph", "restart_after", Offset(15, "business_days")),
        ("us-ca.individuals", "promptly_after_release", None),
        ("us-tx.individuals", "promptly_after_release", None),
        ("us-ny.individuals", "promptly_after_release", None),
        ("us-wa.individuals", "promptly_after_release", None),
        ("eu-gdpr.supervisory_authority", "none", None),
        ("eu-nis2.notification", "none", None),
        ("us-sec.8k", "none", None),
    ],
)
def test_each_statute_has_its_own_hold_semantic(rule_id, semantic, after):
    rules = {rule.id: rule for rule in load_rules() if rule.in_effect_on(date(2026, 6, 1))}
    assert (rules[rule_id].le_hold, rules[rule_id].le_hold_after) == (semantic, after)


def test_cdph_caps_holds_at_sixty_days_written_and_thirty_oral():
    [cdph] = [rule for rule in load_rules() if rule.id == "us-ca.cdph"]
    assert cdph.le_hold_cap_written == Offset(60, "calendar_days")
    assert cdph.le_hold_cap_oral == Offset(30, "calendar_days")


def test_the_sec_rule_is_due_at_the_edgar_cut_off():
    [sec] = [rule for rule in load_rules() if rule.id == "us-sec.8k"]
    assert (sec.cutoff.isoformat(), sec.cutoff_zone) == ("17:30:00", "America/New_York")


@pytest.mark.parametrize(
    "rule_id",
    [
        "us-tx.individuals",
        "us-tx.attorney_general",
        "us-fl.individuals",
        "us-fl.attorney_general",
        "us-co.individuals",
        "us-co.attorney_general",
        "us-al.individuals",
        "us-az.individuals",
        "us-ri.individuals",
        "us-ar.attorney_general",
        "us-de.individuals",
        "us-de.attorney_general",
        "us-mn.consumer_reporting_agencies",
        "us-tx.consumer_reporting_agencies",
    ],
)
def test_rules_anchored_on_determination_are_provisional_from_discovery(rule_id):
    [rule] = [rule for rule in load_rules() if rule.id == rule_id and rule.in_effect_on(TODAY)]
    assert (rule.anchor, rule.provisional_from) == ("determination", "discovery")


def test_every_rule_says_what_kind_of_date_it_gives():
    kinds = {rule.kind for rule in load_rules()}
    assert kinds == {"statutory", "proxy", "interpretation"}
    for rule in load_rules():
        if "modelled as a 60 calendar-day outer bound" in rule.notes:
            assert rule.kind == "proxy", rule.id


def test_every_rule_marked_for_review_asks_counsel_a_question():
    unasked = [rule.id for rule in load_rules() if rule.needs_review and not rule.questions]
    assert unasked == []


def test_every_rule_records_the_sources_it_relies_on():
    unsourced = [(rule.id, rule.version) for rule in load_rules() if not rule.sources]
    assert unsourced == []


def test_a_state_rule_with_a_question_for_counsel_is_marked_for_review():
    # Issue 19, item 6: needs_review stays only where a question remains, and then it must.
    unmarked = [
        (rule.id, rule.version)
        for rule in load_rules()
        if is_us_subdivision(rule.jurisdiction) and rule.questions and not rule.needs_review
    ]
    assert unmarked == []


def test_questions_for_counsel_are_written_as_questions():
    # A question, sometimes followed by what Beacon does until counsel answers it.
    for rule in load_rules():
        for question in rule.questions:
            assert "?" in question, (rule.id, question)


def test_every_state_territory_and_dc_has_an_individual_notice_rule():
    ids = {rule.id for rule in load_rules()}
    places = [*STATES_AND_DC, "GU", "VI", "PR"]
    assert [code for code in places if f"us-{code.lower()}.individuals" not in ids] == []


@pytest.mark.parametrize(
    ("rule_id", "status"),
    [
        # REGULATORY_CLOCKS §1.12 and §2.
        ("us-ca.individuals", "applies"),
        ("us-ca.cdph", "applies"),
        ("us-co.individuals", "applies"),
        ("us-tx.individuals", "applies"),
        ("us-me.individuals", "applies"),
        ("us-ny.individuals", "deemed"),
        ("us-ny.state_agencies", "applies"),
        ("us-ny.attorney_general", "applies"),
        ("us-ny.doh_cyber", "applies"),
        ("us-fl.individuals", "deemed"),
        ("us-wa.individuals", "deemed"),
        ("us-or.individuals", "deemed"),
        ("us-ok.individuals", "deemed"),
        ("us-ok.attorney_general", "applies"),
        ("us-nm.individuals", "not_applicable"),
        ("us-tn.individuals", "not_applicable"),
        ("us-ga.individuals", "not_applicable"),
    ],
)
def test_hipaa_status_follows_the_reference(rule_id, status):
    [rule] = [rule for rule in load_rules() if rule.id == rule_id and rule.in_effect_on(TODAY)]
    assert rule.hipaa_status == status


def test_every_deemed_rule_states_its_condition_and_every_copy_serves_one():
    rules = [rule for rule in load_rules() if rule.in_effect_on(TODAY)]
    deemed = [rule for rule in rules if rule.hipaa_status == "deemed"]
    assert deemed
    assert all(rule.deemed_if for rule in deemed)
    conditions = " ".join(rule.deemed_if for rule in deemed)
    copies = [
        rule.id
        for rule in rules
        if is_us_subdivision(rule.jurisdiction) and rule.applies_to.hipaa_covered_entity
    ]
    assert {"us-fl.department_copy", "us-or.attorney_general_copy"} <= set(copies)
    assert [rule_id for rule_id in copies if rule_id not in conditions] == []


@pytest.mark.parametrize(
    ("rule_id", "applies_to"),
    [
        ("us-ca.cdph", Applicability(licensed_in=("US-CA",))),
        (
            "us-ny.doh_cyber",
            Applicability(licensed_in=("US-NY",), ny_article_28_general_hospital=True),
        ),
        ("eu-gdpr.supervisory_authority", Applicability(established_in=("EEA",))),
        ("eu-gdpr.individuals", Applicability(established_in=("EEA",))),
        ("eu-nis2.early_warning", Applicability(established_in=("EU",))),
        ("uk.ico", Applicability(established_in=("GB",))),
        ("uk.nis", Applicability(established_in=("GB",))),
        ("us-sec.8k", Applicability(sec_registrant=True)),
        ("hipaa.individuals", Applicability(hipaa_covered_entity=True)),
    ],
)
def test_who_each_rule_binds(rule_id, applies_to):
    [rule] = [rule for rule in load_rules() if rule.id == rule_id and rule.in_effect_on(TODAY)]
    assert rule.applies_to == applies_to


def test_the_ny_health_department_report_counts_72_hours_from_its_own_anchor():
    [rule] = [rule for rule in load_rules() if rule.id == "us-ny.doh_cyber"]
    assert (rule.anchor, rule.offset, rule.le_hold) == (
        "cyber_incident_determination",
        Offset(72, "hours"),
        "none",
    )
    assert rule.effective_from == date(2024, 10, 2)
    assert "405.46(b)(5)" in rule.anchor_help


def test_a_state_rule_must_state_its_hipaa_status(tmp_path):
    text = CDPH_WEEKS.replace('hipaa_status = "applies"\n', "").replace("weeks", "business_days")
    write_rules(tmp_path, "us-ca.toml", text)
    with pytest.raises(RuleError, match="says how it treats a HIPAA covered entity") as caught:
        load_rules(tmp_path)
    assert (caught.value.rule_id, caught.value.field) == ("us-ca.cdph", "hipaa_status")


def test_default_load_is_cached():
    assert load_rules() is load_rules()


# --- validation errors name file, rule and field ----------------------------------------------


def test_bad_unit_names_the_file_rule_and_field(tmp_path):
    write_rules(tmp_path, "us-ca.toml", CDPH_WEEKS)
    with pytest.raises(RuleError) as caught:
        load_rules(tmp_path)
    assert str(caught.value).startswith(
        "us-ca.toml: rule 'us-ca.cdph': field 'offset': unknown unit 'weeks'"
    )
    assert (caught.value.source, caught.value.rule_id, caught.value.field) == (
        "us-ca.toml",
        "us-ca.cdph",
        "offset",
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"anchor": "breach"}, "anchor", "unknown anchor event 'breach'"),
        ({"jurisdiction": "XX"}, "jurisdiction", "unknown ISO 3166 code 'XX'"),
        ({"le_hold": "pauses"}, "le_hold", "unknown behaviour 'pauses'"),
        ({"le_hold": "restart_after"}, "le_hold_after", "required when le_hold = 'restart_after'"),
        (
            {"le_hold": "tolls", "le_hold_after": {"amount": 5, "unit": "calendar_days"}},
            "le_hold_after",
            "only for le_hold = resume_within or restart_after",
        ),
        (
            {"le_hold": "tolls", "le_hold_cap_written": {"amount": 2, "unit": "business_days"}},
            "le_hold_cap_written",
            "counted in calendar_days",
        ),
        (
            {"le_hold_cap_oral": {"amount": 30, "unit": "calendar_days"}},
            "le_hold_cap_oral",
            "a rule whose holds do nothing has no hold cap",
        ),
        ({"kind": "guess"}, "kind", "unknown kind 'guess'"),
        ({"provisional_from": "discovery"}, "provisional_from", "is the rule's own anchor"),
        ({"provisional_from": "breach"}, "provisional_from", "unknown anchor event 'breach'"),
        (
            {"provisional_from": "awareness", "provisional_from_rule": "eu-nis2.notification"},
            "provisional_from_rule",
            "not both",
        ),
        ({"no_later_than": "discovery"}, "no_later_than", "is the rule's own anchor"),
        ({"no_later_than_at": "instant"}, "no_later_than_at", "only with no_later_than"),
        (
            {"no_later_than": "consumer_notice_sent", "no_later_than_at": "noon"},
            "no_later_than_at",
            "must be one of end_of_day, instant",
        ),
        ({"cutoff": "17:30"}, "cutoff_zone", "cutoff and cutoff_zone go together"),
        (
            {"cutoff": "25:00", "cutoff_zone": "America/New_York"},
            "cutoff",
            "not a time of day",
        ),
        (
            {"cutoff": "17:30", "cutoff_zone": "Mars/Base"},
            "cutoff_zone",
            "unknown time zone 'Mars/Base'",
        ),
        (
            {"cutoff": "17:30", "cutoff_zone": "America/New_York"},
            "cutoff",
            "only a clock counted in days or months has a cut-off",
        ),
        ({"calendar": "US-CA"}, "calendar", "unknown holiday calendar 'US-CA'"),
        ({"effective_from": "1899-12-31"}, "effective_from", "outside the years 1900-2199"),
        ({"effective_to": "2200-01-01"}, "effective_to", "outside the years 1900-2199"),
        ({"questions": "why?"}, "questions", "must be a list of non-empty strings"),
        ({"offset": {"amount": 0, "unit": "hours"}}, "offset", "amount must be a positive"),
        ({"offset": {"amount": 2}}, "offset", "must be a table"),
        ({"offset": None}, "offset", "required unless without_undue_delay"),
        ({"without_undue_delay": True}, "without_undue_delay", "cannot be combined"),
        ({"annual": True}, "offset", "an annual clock counts days"),
        ({"target": {"amount": 1, "unit": "fortnights"}}, "target", "unknown unit"),
        ({"calendar": "US-ZZ"}, "calendar", "unknown holiday calendar"),
        ({"threshold": {"total_over": 5}}, "threshold.total_over", "unknown condition"),
        ({"threshold": {"total_at_least": -1}}, "threshold.total_at_least", "non-negative"),
        ({"threshold": {"public_company": "yes"}}, "threshold.public_company", "true or false"),
        ({"per_subdivision": True, "jurisdiction": "GB"}, "per_subdivision", "only a US rule"),
        ({"effective_from": "2026-02-30"}, "effective_from", "not a date"),
        (
            {"effective_from": "2026-02-01", "effective_to": "2026-01-01"},
            "effective_to",
            "is before effective_from",
        ),
        ({"version": 0}, "version", "positive integer"),
        ({"reviewed_by": "Counsel"}, "reviewed_on", "go together"),
        ({"draft": "no"}, "draft", "true or false"),
        ({"citation": ""}, "citation", "non-empty string"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_rule_mapping_errors_name_the_field(change, field, message):
    data = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    with pytest.raises(RuleError, match=message) as caught:
        rule_from_mapping(data, "hospital rules")
    assert caught.value.field == field
    assert caught.value.rule_id == "hospital.insurer_hotline"
    assert str(caught.value).startswith(
        f"hospital rules: rule 'hospital.insurer_hotline': field '{field}': "
    )


def test_bad_id_is_reported_on_the_id_field():
    with pytest.raises(RuleError) as caught:
        rule_from_mapping({**VALID, "id": "Insurer Hotline"}, "hospital rules")
    assert caught.value.field == "id"


def test_rule_from_mapping_accepts_a_database_row():
    rule = rule_from_mapping(
        {
            **VALID,
            "effective_from": "2026-01-01",
            "reviewed_by": "J. Doe (counsel)",
            "reviewed_on": "2026-01-05",
            "threshold": {"total_at_least": 1},
        },
        "hospital rules",
    )
    assert rule.effective_from == date(2026, 1, 1)
    assert rule.reviewed_on == date(2026, 1, 5)
    assert rule.offset == Offset(24, "hours")
    assert rule.calendar == "US"  # default for a US rule: the federal calendar
    assert rule.le_hold == "none"
    assert rule.kind == "statutory"


def test_file_jurisdiction_must_match_its_name(tmp_path):
    write_rules(tmp_path, "us-ny.toml", CDPH_WEEKS.replace("weeks", "business_days"))
    with pytest.raises(RuleError, match="does not match the file") as caught:
        load_rules(tmp_path)
    assert caught.value.field == "jurisdiction"


def test_duplicate_id_and_version_is_refused(tmp_path):
    rule = CDPH_WEEKS.replace("weeks", "business_days").split("[[rules]]")[1]
    write_rules(
        tmp_path,
        "us-ca.toml",
        '[defaults]\njurisdiction = "US-CA"\nhipaa_status = "applies"\n'
        f"[[rules]]{rule}[[rules]]{rule}",
    )
    with pytest.raises(RuleError, match="duplicate id and version 1"):
        load_rules(tmp_path)


def test_overlapping_versions_are_refused(tmp_path):
    rule = CDPH_WEEKS.replace("weeks", "business_days").split("[[rules]]")[1]
    write_rules(
        tmp_path,
        "us-ca.toml",
        '[defaults]\njurisdiction = "US-CA"\nhipaa_status = "applies"\n\n'
        f"[[rules]]{rule}effective_to = 2026-06-30\n\n"
        f"[[rules]]{rule}version = 2\neffective_from = 2026-06-01\n",
    )
    with pytest.raises(RuleError, match="version 2 overlaps version 1"):
        load_rules(tmp_path)


def test_back_to_back_versions_load(tmp_path):
    rule = CDPH_WEEKS.replace("weeks", "business_days").split("[[rules]]")[1]
    write_rules(
        tmp_path,
        "us-ca.toml",
        '[defaults]\njurisdiction = "US-CA"\nhipaa_status = "applies"\n\n'
        f"[[rules]]{rule}effective_to = 2026-05-31\n\n"
        f"[[rules]]{rule}version = 2\neffective_from = 2026-06-01\n",
    )
    assert [rule.version for rule in load_rules(tmp_path)] == [1, 2]


def test_invalid_toml_names_the_file(tmp_path):
    write_rules(tmp_path, "gb.toml", "[[rules]\nid = ")
    with pytest.raises(RuleError, match=r"^gb\.toml: invalid TOML"):
        load_rules(tmp_path)


def test_provisional_from_rule_must_name_a_rule_of_the_set(tmp_path):
    write_rules(
        tmp_path,
        "eu.toml",
        '[[rules]]\nid = "eu-nis2.final_report"\njurisdiction = "EU"\nframework = "NIS2"\n'
        'citation = "Art. 23"\nrecipient = "CSIRT"\nanchor = "nis2_notification_sent"\n'
        'offset = { amount = 1, unit = "months" }\nprovisional_from_rule = "eu-nis2.missing"\n',
    )
    with pytest.raises(RuleError, match="must name a rule of the set") as caught:
        load_rules(tmp_path)
    assert caught.value.field == "provisional_from_rule"


def test_unknown_top_level_key_is_refused(tmp_path):
    write_rules(tmp_path, "gb.toml", 'rule = "oops"\n')
    with pytest.raises(RuleError, match="unknown top-level key 'rule'"):
        load_rules(tmp_path)
