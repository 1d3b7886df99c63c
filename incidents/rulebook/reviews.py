"""Counsel's review of a rule version: its state, and the service that records one.

A review binds to the rule version's data hash (docs/CLOCKS.md §5). A rule version is:

* **reviewed** when a review's hash equals its current hash;
* **review outdated** when counsel reviewed this id and version but the data changed since:
  it needs review again, whatever the file says (an edited rule file falls back by itself);
* **needs review** when the file marks an open question for counsel and no review matches;
* **not reviewed** when the file marks no open question and nobody reviewed it in Beacon.

A deadline from a rule version that needs review carries the "needs review" badge
(`Obligation.needs_review`); recording a review removes it from the deadlines counted with
that very version, in each incident's activity log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from accounts.twofactor import require_two_factor

from .. import permissions
from ..activity import log_activity
from ..clocks import Rule
from ..locking import lock_incident
from ..models import Obligation, RuleReview
from .catalogue import all_rules, find_rule

REVIEWED = "reviewed"
OUTDATED = "review_outdated"
NEEDS_REVIEW = "needs_review"
NOT_REVIEWED = "not_reviewed"
STATES = {
    REVIEWED: "Reviewed",
    OUTDATED: "Needs review: changed since counsel's review",
    NEEDS_REVIEW: "Needs review: open questions for counsel",
    NOT_REVIEWED: "No open question; not reviewed in Beacon",
}
NOTE_LIMIT = 10_000
EXCERPT_LIMIT = 20_000


@dataclass(frozen=True)
class ReviewState:
    """Where counsel's review of one rule version stands."""

    code: str
    review: RuleReview | None = None  # the matching review, or the last one that no longer matches
    # A deadline counted with a rule version whose data is no longer the file's.
    computed_with_old_data: bool = False

    @property
    def needs_review(self) -> bool:
        """Return whether deadlines from this version carry the needs-review badge."""
        return self.code in (OUTDATED, NEEDS_REVIEW)

    @property
    def label(self) -> str:
        return STATES[self.code]

    @property
    def detail(self) -> str:
        """Return the state in a sentence naming the review it rests on."""
        review = self.review
        if self.computed_with_old_data:
            text = (
                "Needs review: the rule's data changed since this date was computed; it is "
                "counted again with the new data when the incident's facts next change"
            )
            if review is not None:
                text += f" (the old data was reviewed by {review.reviewer_name})"
            return text + "."
        if review is None:
            return self.label
        when = review.reviewed_at.date().isoformat()
        if self.code == REVIEWED:
            return f"Reviewed by {review.reviewer_name} on {when}."
        return (
            f"Needs review: the rule's data changed after {review.reviewer_name} reviewed it on "
            f"{when} (reviewed hash {review.rule_hash[:12]}…)."
        )


def review_states(rules: Iterable[Rule]) -> dict[tuple[str, int], ReviewState]:
    """Return the review state of each rule version, keyed by (id, version): one query."""
    rules = tuple(rules)
    latest: dict[tuple[str, int], RuleReview] = {}
    matching: dict[tuple[str, int], RuleReview] = {}
    hashes = {(rule.id, rule.version): rule.data_hash for rule in rules}
    reviews = RuleReview.objects.filter(rule_id__in={rule.id for rule in rules}).order_by(
        "-reviewed_at", "-pk"
    )
    for review in reviews:
        key = (review.rule_id, review.version)
        latest.setdefault(key, review)
        if hashes.get(key) == review.rule_hash:
            matching.setdefault(key, review)
    states = {}
    for rule in rules:
        key = (rule.id, rule.version)
        if key in matching:
            states[key] = ReviewState(REVIEWED, matching[key])
        elif key in latest:
            states[key] = ReviewState(OUTDATED, latest[key])
        elif rule.needs_review:
            states[key] = ReviewState(NEEDS_REVIEW)
        else:
            states[key] = ReviewState(NOT_REVIEWED)
    return states


def states_by_hash(rules: Iterable[Rule]) -> dict[str, ReviewState]:
    """Return the review state of each rule version, keyed by its data hash."""
    rules = tuple(rules)
    states = review_states(rules)
    return {rule.data_hash: states[(rule.id, rule.version)] for rule in rules}


def obligation_review_states(obligations: Iterable[Obligation]) -> dict[int, ReviewState]:
    """Return, per obligation id, the review state of the rule version it was counted with.

    Read live: an obligation whose rule version is no longer current (the file changed since
    the date was computed) needs review until its incident is recomputed.
    """
    obligations = tuple(obligations)
    by_hash = states_by_hash(all_rules())
    old = {o.rule_hash for o in obligations} - set(by_hash)
    reviewed_old = {}
    for found in RuleReview.objects.filter(rule_hash__in=old).order_by("reviewed_at", "pk"):
        reviewed_old[found.rule_hash] = found  # the latest review of that old data wins
    for rule_hash in old:
        by_hash[rule_hash] = ReviewState(OUTDATED, reviewed_old.get(rule_hash), True)
    return {o.pk: by_hash[o.rule_hash] for o in obligations}


# The review ----------------------------------------------------------------------------------


@transaction.atomic
def rule_review_record(
    *,
    actor,
    rule_id: str,
    version: int,
    rule_hash: str,
    note: str,
    statute_excerpt: str = "",
    source_link: str = "",
) -> RuleReview:
    """Record that counsel reviewed a rule version, bound to the data hash counsel read.

    Legal only, with a verified second factor. Refused when the rule changed since the page
    showed it (the hash differs). The deadlines counted with this very version lose their
    needs-review badge, each with an entry in its incident's activity log.
    """
    require_two_factor(actor, "review a rule")
    permissions.require(permissions.can_review_rules(actor), "Only Legal can review a rule.")
    rule = find_rule(rule_id, version)
    if rule is None:
        raise ValidationError(f"There is no rule {rule_id!r} version {version}.")
    if rule_hash != rule.data_hash:
        raise ValidationError(
            f"{rule.id} version {rule.version} changed since you opened it: read it again "
            "before you review it (nothing was saved)."
        )
    errors = {}
    if not note.strip():
        errors["note"] = "Say what you concluded (and answer the open questions)."
    elif len(note) > NOTE_LIMIT:
        errors["note"] = f"Keep the note under {NOTE_LIMIT:,} characters."
    if len(statute_excerpt) > EXCERPT_LIMIT:
        errors["statute_excerpt"] = f"Keep the excerpt under {EXCERPT_LIMIT:,} characters."
    if source_link:
        try:
            URLValidator(schemes=["http", "https"])(source_link)
        except ValidationError:
            errors["source_link"] = "Give the source as an http or https address."
    if errors:
        raise ValidationError(errors)
    review = RuleReview.objects.create(
        rule_id=rule.id,
        version=rule.version,
        rule_hash=rule.data_hash,
        reviewer=actor,
        reviewer_name=str(actor),
        note=note.strip(),
        statute_excerpt=statute_excerpt.strip(),
        source_link=source_link,
    )
    _clear_badges(rule, review, actor)
    return review


def _clear_badges(rule: Rule, review: RuleReview, actor) -> None:
    """Remove the needs-review badge from the deadlines counted with the reviewed version."""
    flagged = Obligation.objects.filter(rule_hash=rule.data_hash, needs_review=True)
    by_incident: dict[int, list[int]] = defaultdict(list)
    for pk, incident_id in flagged.values_list("pk", "incident_id"):
        by_incident[incident_id].append(pk)
    for incident_id in sorted(by_incident):  # one lock order for every service
        incident = lock_incident(incident_id)
        rows = Obligation.objects.select_for_update().filter(
            pk__in=by_incident[incident_id], needs_review=True
        )
        rule_ids = sorted(rows.values_list("rule_id", flat=True))
        if not rule_ids:
            continue
        rows.update(needs_review=False)
        log_activity(
            incident=incident,
            actor=actor,
            action="obligation.rule_reviewed",
            summary=f"Counsel ({review.reviewer_name}) reviewed {rule.id} version "
            f"{rule.version}: {', '.join(rule_ids)} no longer marked needs review",
            before={"needs_review": True, "rules": rule_ids},
            after={"needs_review": False, "review": review.pk, "rule_hash": rule.data_hash},
        )
