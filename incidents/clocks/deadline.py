"""What the engine returns: one Deadline per obligation, and where its clock stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from incidents.clocks.holds import HoldApplied


class Status(StrEnum):
    """Where an obligation's clock stands."""

    DUE = "due"
    PROVISIONAL = "provisional"
    WAITING_FOR_ANCHOR = "waiting_for_anchor"
    TOLLED = "tolled"
    # A state law a HIPAA-compliant notice satisfies, on the condition the basis states.
    DEEMED = "deemed"


@dataclass(frozen=True)
class Deadline:
    """One obligation the incident owes: when it is due, the internal target, and why."""

    rule_id: str
    jurisdiction: str
    framework: str
    recipient: str
    citation: str
    anchor: str
    status: Status
    due: datetime | None
    target: datetime | None
    basis: str
    version: int = 1
    needs_review: bool = False
    draft: bool = False
    kind: str = "statutory"
    effective_from: date | None = None
    effective_to: date | None = None
    le_hold: str = "none"
    counted_from: str = ""  # the event (or rule's due time) the date counts from
    holidays_skipped: tuple[date, ...] = ()
    holds_applied: tuple[HoldApplied, ...] = ()
    notes: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    hipaa_status: str = "applies"
    sources: tuple[str, ...] = ()
    rule_hash: str = ""  # the rule version's data hash: what a counsel review binds to


STATUS_RANK = {
    Status.DUE: 0,
    Status.PROVISIONAL: 0,
    Status.TOLLED: 1,
    Status.WAITING_FOR_ANCHOR: 2,
    Status.DEEMED: 3,
}


def deadline_order(deadline: Deadline) -> tuple:
    """Return the sort key: dated deadlines by time, then undated ones, each by rule id."""
    due = deadline.due.astimezone(UTC) if deadline.due else datetime.max.replace(tzinfo=UTC)
    return (STATUS_RANK[deadline.status], due, deadline.rule_id)
