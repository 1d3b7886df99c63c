"""Counsel's review inside Beacon: bound to the rule version's hash, Legal only with a second
factor, and an edited rule file falls back to needs review by itself (issue 19 item 4)."""

import shutil

import pytest
from django.urls import reverse

from incidents import services
from incidents.clocks import loader, rule_hashes
from incidents.models import ActivityEntry, Obligation, RuleReview
from incidents.rulebook.catalogue import all_rules, find_rule
from incidents.rulebook.reviews import (
    NEEDS_REVIEW,
    NOT_REVIEWED,
    OUTDATED,
    REVIEWED,
    review_states,
    rule_review_record,
)
from tests.incidents.factories import discovered_incident
from tests.security.test_two_factor import password_only_user, verified_user

pytestmark = pytest.mark.django_db

RULE = "us-ak.individuals"  # a proxy with open questions: needs review in the file


@pytest.fixture
def alaska(command_user):
    incident = discovered_incident(command_user)
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-AK": 4})
    return incident


@pytest.fixture
def rule_files(tmp_path, monkeypatch):
    """A copy of the shipped rule files the test may edit; Beacon reads the copy."""
    copy = tmp_path / "rules"
    shutil.copytree(loader.RULES_DIRECTORY, copy)
    monkeypatch.setattr(loader, "RULES_DIRECTORY", copy)
    loader._shipped_rules.cache_clear()
    yield copy
    monkeypatch.undo()
    loader._shipped_rules.cache_clear()


def review(actor, rule_id=RULE, version=1, **fields):
    rule = find_rule(rule_id, version)
    return rule_review_record(
        actor=actor,
        rule_id=rule_id,
        version=version,
        rule_hash=fields.pop("rule_hash", rule.data_hash),
        note=fields.pop("note", "Read AS 45.48.010: the 60-day proxy is acceptable."),
        **fields,
    )


def state_of(rule_id=RULE, version=1):
    return review_states(all_rules())[(rule_id, version)]


def test_a_rule_with_open_questions_needs_review_until_counsel_reviews_it(legal_user, alaska):
    assert state_of().code == NEEDS_REVIEW
    assert state_of("hipaa.hhs_annual").code in (NEEDS_REVIEW, NOT_REVIEWED)
    o = Obligation.objects.get(incident=alaska, rule_id=RULE)
    assert o.needs_review
    saved = review(legal_user, source_link="https://www.akleg.gov/basis/statutes.asp#45.48.010")
    assert (saved.rule_hash, saved.reviewer_name) == (rule_hashes()[(RULE, 1)], str(legal_user))
    assert state_of().code == REVIEWED and state_of().review == saved
    o.refresh_from_db()
    assert not o.needs_review
    entry = ActivityEntry.objects.get(incident=alaska, action="obligation.rule_reviewed")
    assert entry.summary == (
        f"Counsel ({legal_user}) reviewed {RULE} version 1: {RULE} no longer marked needs review"
    )


def test_an_edited_rule_file_falls_back_to_needs_review_by_itself(
    client, rule_files, legal_user, command_user, alaska
):
    reviewed = review(legal_user)
    assert state_of().code == REVIEWED
    # Counsel's reviewed text changes in the file: the same id and version, new data.
    path = rule_files / "us-ak.toml"
    text = path.read_text()
    edited = text.replace(
        "In the most expeditious time possible", "In the most expeditious time possible,", 1
    )
    assert edited != text
    path.write_text(edited)
    loader._shipped_rules.cache_clear()
    state = state_of()
    assert state.code == OUTDATED and state.needs_review and state.review == reviewed
    assert "changed after" in state.detail
    # The deadline says so at once, and keeps saying so once the incident is recomputed.
    client.force_login(command_user)
    tab = client.get(reverse("incidents:obligations", args=[alaska.pk])).content.decode()
    assert "Needs review: the rule&#x27;s data changed since this date was computed" in tab
    assert f"(the old data was reviewed by {legal_user})" in tab
    services.facts_changed(incident=alaska, actor=command_user, reason="rule file changed")
    o = Obligation.objects.get(incident=alaska, rule_id=RULE)
    assert o.needs_review and o.rule_hash == find_rule(RULE, 1).data_hash != reviewed.rule_hash
    # The same data again: the old review matches again.
    path.write_text(text)
    loader._shipped_rules.cache_clear()
    assert state_of().code == REVIEWED


def test_a_review_of_a_version_that_changed_since_the_page_was_read_is_refused(client, legal_user):
    client.force_login(legal_user)
    response = client.post(
        reverse("incidents:rule_review", args=[RULE, 1]),
        {"rule_hash": "0" * 64, "note": "Fine."},
    )
    assert response.status_code == 400
    assert "changed since you opened it" in response.content.decode()
    assert not RuleReview.objects.exists()


def test_a_review_needs_a_note_and_an_http_source(legal_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        review(legal_user, note=" ", source_link="javascript:alert(1)")
    assert set(excinfo.value.message_dict) == {"note", "source_link"}
    assert not RuleReview.objects.exists()


def valid_review_post(client, role_user, rule_id=RULE):
    rule = find_rule(rule_id, 1)
    return client.post(
        reverse("incidents:rule_review", args=[rule_id, 1]),
        {
            "rule_hash": rule.data_hash,
            "note": "Checked against the statute.",
            "statute_excerpt": "in the most expeditious time possible",
            "source_link": "https://www.akleg.gov/",
        },
    )


def test_only_legal_with_a_verified_second_factor_reviews_a_rule(
    client, settings, comms_user, exec_user, command_user, legal_user
):
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    for user in (comms_user, exec_user, command_user):
        client.force_login(user)
        assert valid_review_post(client, user).status_code == 403, user
    password_only_user(client, legal_user)
    refused = valid_review_post(client, legal_user)
    assert refused.status_code == 403
    assert not RuleReview.objects.exists()
    client.logout()
    verified_user(client, legal_user)
    assert valid_review_post(client, legal_user).status_code == 302
    saved = RuleReview.objects.get()
    assert (saved.rule_id, saved.statute_excerpt) == (RULE, "in the most expeditious time possible")


def test_the_rules_page_lists_every_rule_version_searchable_and_paginated(client, comms_user):
    client.force_login(comms_user)
    url = reverse("incidents:rules")
    first = client.get(url)
    assert first.status_code == 200
    total = len(all_rules())
    assert first.context["total"] == total == first.context["shown"]
    assert first.context["page"].paginator.num_pages == -(-total // 20)
    seen = set()
    for number in range(1, first.context["page"].paginator.num_pages + 1):
        page = client.get(url, {"page": number})
        seen |= {(f.rule.id, f.rule.version) for f in page.context["facts"]}
    assert seen == {(rule.id, rule.version) for rule in all_rules()}
    found = client.get(url, {"q": "405.46"})
    assert [f.rule.id for f in found.context["facts"]] == ["us-ny.doh_cyber"]
    page = found.content.decode()
    for words in (
        "10 NYCRR 405.46",  # citation
        "1, in force 2024-10-02 to no end date",  # version and effective dates
        "10 NYCRR 405.46(b)(5)",  # the anchor's help
        "72 hours after cybersecurity incident determination",  # the clock
        "none: law-enforcement holds do not move this clock",  # hold semantic
        "applies: the clock binds a HIPAA covered entity too",  # HIPAA status
        "facilities licensed in US-NY (Article 28 general hospitals)",  # applies_to
        "statutory: the statute sets the number",  # kind
        "Who at the hospital makes and records the determination",  # a question
        "10 NYCRR 405.46(a), (b)(4), (b)(5), text read",  # a source
        rule_hashes()[("us-ny.doh_cyber", 1)],  # the hash
        "Needs review: open questions for counsel",  # the review state
    ):
        assert words in page, words


def test_the_rules_page_shows_caps_cutoffs_thresholds_and_conditions(client, comms_user):
    client.force_login(comms_user)
    url = reverse("incidents:rules")
    cdph = client.get(url, {"q": "us-ca.cdph"}).content.decode()
    assert "a written hold counts at most 60 calendar days" in cdph
    assert "an oral hold at most 30 calendar days" in cdph
    assert "US calendar: weekends and 5 U.S.C. § 6103(a) holidays" in cdph
    sec = client.get(url, {"q": "us-sec.8k"}).content.decode()
    assert "17:30 America/New_York on the last day" in sec and "SEC registrants" in sec
    new_york = client.get(url, {"q": "us-ny.individuals"}).content.decode()
    assert "deemed: a HIPAA-compliant notice satisfies it provided" in new_york
    texas = client.get(url, {"q": "us-tx.attorney_general", "jurisdiction": "US-TX"})
    assert "250 or more affected residents" in texas.content.decode()


def test_the_rules_page_filters_by_review_state(client, legal_user):
    review(legal_user)
    client.force_login(legal_user)
    page = client.get(reverse("incidents:rules"), {"state": REVIEWED})
    assert [f.rule.id for f in page.context["facts"]] == [RULE]
    assert "Reviewed by" in page.content.decode()


def test_an_unknown_rule_version_is_not_found(client, comms_user):
    client.force_login(comms_user)
    assert client.get(reverse("incidents:rule", args=[RULE, 99])).status_code == 404
    assert client.get(reverse("incidents:rule", args=["no.such", 1])).status_code == 404


def test_the_rule_page_shows_its_reviews_and_the_form_to_legal_only(client, legal_user, comms_user):
    review(legal_user, statute_excerpt="text", source_link="https://example.org/ak")
    url = reverse("incidents:rule", args=[RULE, 1])
    client.force_login(comms_user)
    page = client.get(url).content.decode()
    assert "matches the rule today" in page and "Mark this version reviewed" not in page
    client.force_login(legal_user)
    assert "Mark this version reviewed" in client.get(url).content.decode()


def test_the_dashboard_counts_the_applicable_rules_that_need_review(
    client, legal_user, command_user, alaska
):
    services.affected_regions_set(
        actor=command_user, incident=alaska, counts={"US-AK": 4, "US-TX": 3}
    )
    flagged = (
        Obligation.objects.filter(incident=alaska, needs_review=True)
        .exclude(status="not_applicable")
        .values("rule_hash")
        .distinct()
        .count()
    )
    assert flagged >= 2  # us-ak.individuals and us-tx.individuals carry questions
    client.force_login(command_user)
    url = reverse("dashboard:section", args=["deadlines"])
    page = client.get(url).content.decode()
    assert f">{flagged}</span> applicable rules behind" in page
    review(legal_user)
    page = client.get(url).content.decode()
    assert f">{flagged - 1}</span> applicable rule" in page


def test_the_dashboards_one_query_count_is_the_plain_count(command_user, alaska):
    from dashboard.deadlines import deadlines_and_unreviewed_rules, unreviewed_rule_count
    from dashboard.scope import active_incidents

    scope = active_incidents(command_user)
    deadlines, count = deadlines_and_unreviewed_rules(scope)
    assert deadlines and count == unreviewed_rule_count(scope) >= 1
    # No dated open deadline at all: the count takes its own query and is still right.
    Obligation.objects.filter(incident=alaska).exclude(rule_id=RULE).update(status="met")
    Obligation.objects.filter(incident=alaska, rule_id=RULE).update(due_at=None)
    deadlines, count = deadlines_and_unreviewed_rules(active_incidents(command_user))
    assert (deadlines, count) == ([], 1)


def test_recomputing_after_a_rule_file_change_flags_the_deadline_again(
    rule_files, legal_user, command_user, alaska
):
    from io import StringIO

    from django.core.management import call_command

    review(legal_user)
    o = Obligation.objects.get(incident=alaska, rule_id=RULE)
    assert not o.needs_review
    path = rule_files / "us-ak.toml"
    path.write_text(
        path.read_text().replace("modelled as a 60 calendar-day", "modelled as a 60-day", 1)
    )
    loader._shipped_rules.cache_clear()
    out = StringIO()
    call_command("obligations_recompute", stdout=out)
    assert out.getvalue().strip() == "Recomputed 1 open incident(s)."
    o.refresh_from_db()
    assert o.needs_review and o.rule_hash == find_rule(RULE, 1).data_hash
    entry = ActivityEntry.objects.filter(incident=alaska).latest("seq")
    assert (entry.action, entry.actor_name) == ("obligation.review_flag", "Beacon")
    assert entry.summary.startswith(f"{RULE}: needs counsel's review")
    assert entry.summary.endswith("(rules reloaded)")
