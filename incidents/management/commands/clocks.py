"""``manage.py clocks``: print the notification deadlines for facts given on the command line.

Uses only the pure clock engine (no database). The hospital's profile comes from flags: without
them, a HIPAA covered entity licensed nowhere in particular and established only in the US
(docs/CLOCKS.md §1.13). A rule that does not reach the hospital is not printed; one a HIPAA
notice satisfies has status ``deemed``. Input that cannot be true (an unknown code, a local time
in the spring-forward gap, a total below a region's count, a year outside 1900-2199) prints one
line on stderr and exits 2. docs/CLOCKS.md describes the JSON.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from incidents.clocks.calculator import incident_deadlines
from incidents.clocks.codes import COUNTRY_CODES, US_SUBDIVISIONS, is_region_code
from incidents.clocks.deadline import Deadline
from incidents.clocks.facts import FactsError, IncidentFacts, incident_zone
from incidents.clocks.holds import Hold, HoldApplied
from incidents.clocks.loader import load_rules
from incidents.clocks.profile import HospitalProfile
from incidents.clocks.rules import ANCHOR_EVENTS, FIRST_DAY, LAST_DAY, Offset

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Print every notification deadline an incident owes, e.g. "
        "clocks --tz America/Chicago --event discovery=2026-01-15T09:30 --affected US-CA=600"
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def create_parser(self, prog_name, subcommand, **kwargs):
        """Return the parser, reporting usage errors as one line and exit status 2."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = self.fail
        return parser

    def add_arguments(self, parser):
        """Declare the incident facts the command accepts."""
        parser.add_argument("--tz", required=True, help="IANA time zone, e.g. America/Chicago")
        parser.add_argument(
            "--event",
            action="append",
            default=[],
            metavar="NAME=TIME",
            help=f"anchor event ({', '.join(ANCHOR_EVENTS)}); time without offset is local",
        )
        parser.add_argument(
            "--affected",
            action="append",
            default=[],
            metavar="CODE=N",
            help="affected residents of an ISO 3166 region, e.g. US-CA=600 or DE=12",
        )
        parser.add_argument(
            "--affected-total", type=int, help="total affected (default: sum of --affected)"
        )
        parser.add_argument("--unreachable", type=int, default=0, help="people without contact")
        parser.add_argument(
            "--licensed-in",
            action="append",
            default=[],
            metavar="CODE",
            help="a US state or territory where the hospital holds a facility licence, as ISO "
            "3166-2 (e.g. US-NY); repeatable. Licence rules (CDPH, NY 405.46) follow it",
        )
        parser.add_argument(
            "--established-in",
            action="append",
            default=[],
            metavar="CC",
            help="a country where the hospital has an establishment besides the US, as ISO "
            "3166-1 alpha-2 (e.g. DE); repeatable. GDPR, NIS2 and UK rules follow it",
        )
        parser.add_argument(
            "--not-hipaa",
            action="store_true",
            help="the hospital is not a HIPAA covered entity (default: it is)",
        )
        parser.add_argument(
            "--sec-registrant", action="store_true", help="the hospital files with the SEC (8-K)"
        )
        parser.add_argument(
            "--public-company", action="store_true", help="the older name of --sec-registrant"
        )
        parser.add_argument("--business-associate", action="store_true")
        parser.add_argument(
            "--le-hold",
            action="append",
            default=[],
            metavar="START/END",
            help="written law-enforcement hold",
        )
        parser.add_argument(
            "--le-hold-oral",
            action="append",
            default=[],
            metavar="START[/END]",
            help="oral law-enforcement hold (at most 30 calendar days)",
        )
        parser.add_argument(
            "--enable-draft", action="append", default=[], metavar="RULE_ID", help="draft rule"
        )
        parser.add_argument(
            "--promptly-days",
            type=int,
            default=5,
            metavar="N",
            help="the hospital's reading of 'promptly' after a hold ends, in calendar days",
        )
        parser.add_argument(
            "--on", help="the date whose rule versions a clock still waiting for its anchor shows"
        )
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args, **options):
        """Print the deadlines for the facts given."""
        try:
            facts = facts_from_options(options)
            on = parse_day(options["on"]) if options["on"] else None
            deadlines = incident_deadlines(facts, on=on)
        except (FactsError, ValueError) as error:
            self.fail(str(error))
        if options["format"] == "json":
            rows = [deadline_row(deadline) for deadline in deadlines]
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            for deadline in deadlines:
                self.stdout.write(deadline_line(deadline))

    def fail(self, message: str):
        """Report bad input as one line and exit 2 (raise CommandError under call_command)."""
        message = " ".join(str(message).split())
        if getattr(self, "_called_from_command_line", False):
            self.stderr.write(f"clocks: error: {message}")
            raise SystemExit(EXIT_BAD_INPUT)
        raise CommandError(message, returncode=EXIT_BAD_INPUT)


def facts_from_options(options: dict) -> IncidentFacts:
    """Return the incident facts described by the command-line options."""
    tz = incident_zone(IncidentFacts(tz=options["tz"]))
    events: dict[str, datetime] = {}
    for item in options["event"]:
        name, value = split_pair(item, "--event", "NAME=TIME")
        if name.startswith("le_hold"):
            raise ValueError(f"record holds with --le-hold START/END or --le-hold-oral, not {name}")
        if name not in ANCHOR_EVENTS:
            raise ValueError(f"unknown event '{name}' (known: {', '.join(ANCHOR_EVENTS)})")
        if name in events:
            raise ValueError(f"event '{name}' given twice")
        events[name] = parse_time(value, tz)

    affected: dict[str, int] = {}
    for item in options["affected"]:
        code, value = split_pair(item, "--affected", "CODE=N")
        code = code.upper()
        if not is_region_code(code):
            raise ValueError(f"unknown ISO 3166 code '{code}' in --affected")
        if code in affected:
            raise ValueError(f"region '{code}' given twice in --affected")
        affected[code] = parse_count(value, f"--affected {code}")

    for name in ("affected_total", "unreachable"):
        if options[name] is not None and options[name] < 0:
            raise ValueError(f"--{name.replace('_', '-')} cannot be negative")
    if options["promptly_days"] < 1:
        raise ValueError("--promptly-days must be at least 1")

    holds = tuple(parse_hold(item, tz, written=True) for item in options["le_hold"])
    holds += tuple(parse_hold(item, tz, written=False) for item in options["le_hold_oral"])

    profile = profile_from_options(options)

    drafts = {rule.id for rule in load_rules() if rule.draft}
    for rule_id in options["enable_draft"]:
        if rule_id not in drafts:
            raise ValueError(f"--enable-draft: '{rule_id}' is not a draft rule")

    return IncidentFacts(
        tz=options["tz"],
        events=events,
        affected_total=options["affected_total"],
        affected_by_region=affected,
        unreachable=options["unreachable"],
        public_company=options["public_company"],
        business_associate=options["business_associate"],
        holds=holds,
        enabled_drafts=frozenset(options["enable_draft"]),
        promptly=Offset(options["promptly_days"], "calendar_days"),
        profile=profile,
    )


def profile_from_options(options: dict) -> HospitalProfile:
    """Return the hospital's profile from the flags (docs/CLOCKS.md §1.13)."""
    licences = set()
    for item in options["licensed_in"]:
        code = item.strip().upper()
        if code not in US_SUBDIVISIONS:
            raise ValueError(
                f"--licensed-in: unknown code '{item}' (expected the ISO 3166-2 code of a US "
                "state or territory, such as US-NY)"
            )
        licences.add(code)
    countries = {"US"}
    for item in options["established_in"]:
        code = item.strip().upper()
        if code not in COUNTRY_CODES:
            hint = "; list each EU or EEA country" if code in ("EU", "EEA") else ""
            raise ValueError(
                f"--established-in: unknown country '{item}' (expected an ISO 3166-1 alpha-2 "
                f"code, such as DE{hint})"
            )
        countries.add(code)
    return HospitalProfile(
        hipaa_covered_entity=not options["not_hipaa"],
        licensed_in=frozenset(licences),
        sec_registrant=options["sec_registrant"] or options["public_company"],
        established_in=frozenset(countries),
    )


def split_pair(item: str, option: str, shape: str) -> tuple[str, str]:
    """Return the two halves of ``KEY=VALUE``."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ValueError(f"{option} expects {shape}, got '{item}'")
    return key.strip(), value.strip()


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """Return an aware datetime; a time without an offset is local to ``tz``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date/time '{text}' (expected e.g. 2026-01-15T09:30)") from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def parse_day(text: str) -> date:
    """Return a date given as YYYY-MM-DD, from 1900 to 2199."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date '{text}' (expected YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"date {text}: the year must be from 1900 to 2199")
    return day


def parse_count(text: str, what: str) -> int:
    """Return a non-negative whole number."""
    if not text.isdigit():
        raise ValueError(f"{what}: expected a whole number, got '{text}'")
    return int(text)


def parse_hold(text: str, tz: ZoneInfo, *, written: bool) -> Hold:
    """Return a hold from ``START/END`` (written) or ``START[/END]`` (oral)."""
    start_text, sep, end_text = text.partition("/")
    if written and not sep:
        raise ValueError(
            f"--le-hold expects START/END (a written hold states its period): '{text}'"
        )
    start = parse_time(start_text, tz)
    end = parse_time(end_text, tz) if end_text else None
    if end is not None and end < start:
        raise ValueError(f"law-enforcement hold ends before it starts: '{text}'")
    return Hold(start=start, end=end, written=written)


def deadline_row(deadline: Deadline) -> dict:
    """Return the JSON object printed for one deadline (docs/CLOCKS.md, "Command line")."""
    return {
        "rule": deadline.rule_id,
        "jurisdiction": deadline.jurisdiction,
        "recipient": deadline.recipient,
        "citation": deadline.citation,
        "due": iso(deadline.due),
        "status": str(deadline.status),
        "basis": deadline.basis,
        "kind": deadline.kind,
        "version": deadline.version,
        "effective_from": deadline.effective_from.isoformat() if deadline.effective_from else None,
        "effective_to": deadline.effective_to.isoformat() if deadline.effective_to else None,
        "needs_review": deadline.needs_review,
        "anchor": deadline.anchor,
        "counted_from": deadline.counted_from or None,
        "target": iso(deadline.target),
        "le_hold": deadline.le_hold,
        "holidays_skipped": [day.isoformat() for day in deadline.holidays_skipped],
        "holds_applied": [hold_row(hold) for hold in deadline.holds_applied],
        "notes": list(deadline.notes),
        "questions": list(deadline.questions),
        "hipaa_status": deadline.hipaa_status,
        "sources": list(deadline.sources),
        "rule_hash": deadline.rule_hash,
    }


def hold_row(hold: HoldApplied) -> dict:
    """Return the JSON object for what one hold did to a clock."""
    return {
        "type": hold.type,
        "start": iso(hold.start),
        "end": iso(hold.end),
        "form": hold.form,
        "effect": hold.effect,
    }


def iso(moment: datetime | None) -> str | None:
    """Return an aware time in ISO 8601, or None."""
    return moment.isoformat() if moment else None


def deadline_line(deadline: Deadline) -> str:
    """Return one human-readable line for a deadline."""
    due = deadline.due.strftime("%Y-%m-%d %H:%M %Z") if deadline.due else "-"
    kind = "" if deadline.kind == "statutory" else f"[{deadline.kind}] "
    return f"{deadline.status:<18} {due:<20} {deadline.rule_id:<32} {kind}{deadline.basis}"
