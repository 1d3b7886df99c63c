"""Deterministic content checks: does a rendered document carry what the law and our practice need.

Checks read the Markdown structure: the first `# ` heading is the title and every `##` (or deeper)
heading starts a section that runs to the next heading of the same or a higher level. An element is
present when a section with one of its accepted headings exists and is not empty. Headings match
case-insensitively, ignoring surrounding punctuation such as a trailing "?" or ":".
"""

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from communications.documents.kinds import (
    CHECKLIST_CA_NOTICE,
    CHECKLIST_GDPR_ART33,
    CHECKLIST_GENERAL,
    CHECKLIST_HIPAA_NOTICE,
    CHECKLIST_HIPAA_SUBSTITUTE,
    kind_spec,
)


@dataclass(frozen=True)
class CheckItem:
    """One line of a document's content checklist."""

    id: str
    label: str
    passed: bool
    detail: str
    # An advisory item is shown to the reviewer but does not hold up approval.
    blocking: bool = True


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, down to the next heading of the same or a higher level."""

    heading: str
    level: int
    body: str
    order: int

    @property
    def is_empty(self) -> bool:
        """Return whether the section has no text at all, not even in a subsection."""
        return not _plain(self.body).strip()


_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_EDIT_NOTE = re.compile(r"\[\[(?:missing|edit):[^\]\n]*\]\]")
_LEFTOVER_PLACEHOLDER = re.compile(r"\{\{[^\n]*?\}\}")

_MONTH_NAMES = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|se(?:p)?tiembre|octubre|noviembre"
    r"|diciembre)"
)
_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    rf"|{_MONTH_NAMES}\.?\s+\d{{1,2}}\b|\d{{1,2}}\s+(?:de\s+)?{_MONTH_NAMES}\b)",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<!\d)(?:\+?\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
_TOLL_FREE = re.compile(
    r"(?<!\d)(?:1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\bhttps?://[^\s)]+|\bwww\.[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def _plain(text: str) -> str:
    """Return Markdown text with backslash escapes and HTML entities undone."""
    return html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", text))


def _normalise_heading(heading: str) -> str:
    text = _plain(heading).replace("*", "").replace("_", "").replace("’", "'")
    return " ".join(text.strip(" \t?¿:.!¡").lower().split())


def document_title(text: str) -> str | None:
    """Return the plain text of the first level-one heading, or None."""
    return next((s.heading for s in parse_sections(text) if s.level == 1), None)


def parse_sections(text: str) -> list[Section]:
    """Return the document's headings with their bodies, in document order."""
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _HEADING.match(line)):
            headings.append((index, len(match.group(1)), _plain(match.group(2)).strip()))
    sections = []
    for order, (index, level, heading) in enumerate(headings):
        end = next((i for i, lvl, _ in headings[order + 1 :] if lvl <= level), len(lines))
        body = "\n".join(lines[index + 1 : end])
        sections.append(Section(heading, level, body, order))
    return sections


def _find_section(sections: Sequence[Section], accepted: Iterable[str]) -> Section | None:
    wanted = {_normalise_heading(h) for h in accepted}
    return next(
        (s for s in sections if s.level > 1 and _normalise_heading(s.heading) in wanted), None
    )


@dataclass(frozen=True)
class _Element:
    id: str
    label: str
    headings: tuple[str, ...]


HIPAA_ELEMENTS = (
    _Element(
        "hipaa.what_happened",
        "What happened, with the date of the breach and the date of discovery",
        (
            "What Happened",
            "What Occurred",
            "What Happened and When",
            "About the Incident",
            "Qué sucedió",
            "Qué pasó",
            "Lo que sucedió",
        ),
    ),
    _Element(
        "hipaa.information_involved",
        "Types of PHI involved",
        (
            "What Information Was Involved",
            "What Information Is Involved",
            "Information Involved",
            "Types of Information Involved",
            "What Information Was Affected",
            "Qué información estuvo involucrada",
            "Qué información se vio afectada",
            "Información involucrada",
        ),
    ),
    _Element(
        "hipaa.what_you_can_do",
        "Steps individuals should take to protect themselves",
        (
            "What You Can Do",
            "What You Should Do",
            "Steps You Can Take",
            "Steps You Should Take",
            "How to Protect Yourself",
            "Lo que usted puede hacer",
            "Qué puede hacer usted",
            "Qué puede hacer",
        ),
    ),
    _Element(
        "hipaa.what_we_are_doing",
        "What the hospital is doing to investigate, mitigate harm and prevent recurrence",
        (
            "What We Are Doing",
            "What We're Doing",
            "What We Are Doing About It",
            "Steps We Are Taking",
            "Our Response",
            "Lo que estamos haciendo",
            "Qué estamos haciendo",
        ),
    ),
    _Element(
        "hipaa.contact",
        "Contact procedures: toll-free number, email address, website or postal address",
        (
            "For More Information",
            "More Information",
            "Contact Us",
            "Contact Information",
            "How to Contact Us",
            "Questions",
            "Where to Get Help",
            "Para más información",
            "Más información",
            "Cómo comunicarse con nosotros",
        ),
    ),
)

CA_TITLE = "Notice of Data Breach"
CA_HEADINGS = (
    "What Happened",
    "What Information Was Involved",
    "What We Are Doing",
    "What You Can Do",
    "For More Information",
)
CREDIT_BUREAUS = ("Equifax", "Experian", "TransUnion")
_SSN_OR_ID = re.compile(
    r"social security|\bSSNs?\b|driver'?s licen[cs]e|identification card|passport number",
    re.IGNORECASE,
)
_LAW_ENFORCEMENT = re.compile(r"law enforcement|fuerzas del orden|autoridades policiales", re.I)
_DATE_OF_NOTICE = re.compile(r"date of (?:this )?notice", re.IGNORECASE)

GDPR_ELEMENTS = (
    _Element(
        "gdpr.nature",
        "Nature of the breach, with categories and approximate numbers of people and records",
        (
            "Nature of the Breach",
            "Nature of the Personal Data Breach",
            "Description of the Breach",
        ),
    ),
    _Element(
        "gdpr.contact_point",
        "Data protection officer or other contact point",
        (
            "Data Protection Officer",
            "Contact Point",
            "Data Protection Officer or Contact Point",
            "Contact Details",
            "DPO",
        ),
    ),
    _Element(
        "gdpr.consequences",
        "Likely consequences of the breach",
        ("Likely Consequences", "Likely Consequences of the Breach", "Consequences"),
    ),
    _Element(
        "gdpr.measures",
        "Measures taken or proposed",
        (
            "Measures Taken or Proposed",
            "Measures Taken or Proposed to Be Taken",
            "Measures Taken",
            "Measures",
        ),
    ),
)
_GDPR_NATURE_TERMS = (
    ("categories", re.compile(r"categor", re.I)),
    ("people affected", re.compile(r"data subjects|individuals|people|persons|patients", re.I)),
    ("records", re.compile(r"records", re.I)),
    ("an approximate number", re.compile(r"\d")),
)


def _element_item(sections: Sequence[Section], element: _Element) -> CheckItem:
    section = _find_section(sections, element.headings)
    if section is None:
        detail = f"Missing: {element.label}. Add a section headed “{element.headings[0]}”."
        return CheckItem(element.id, element.label, False, detail)
    if section.is_empty:
        return CheckItem(element.id, element.label, False, f"“{section.heading}” is empty.")
    return CheckItem(element.id, element.label, True, f"Under “{section.heading}”.")


def _with_requirement(item: CheckItem, ok: bool, missing: str) -> CheckItem:
    if not item.passed or ok:
        return item
    return CheckItem(item.id, item.label, False, f"{item.detail} Missing: {missing}.")


def _general_items(text: str, sections: Sequence[Section], missing_facts: Sequence[str]):
    markers = (m.group(0) for m in _EDIT_NOTE.finditer(text) if m.group(0).startswith("[[missing:"))
    from_markers = (marker.removeprefix("[[missing:").rstrip("]").strip() for marker in markers)
    unfilled = list(dict.fromkeys([*missing_facts, *from_markers]))
    yield CheckItem(
        "general.placeholders_filled",
        "All placeholders filled from the key facts",
        not unfilled,
        f"Missing: {', '.join(unfilled)}." if unfilled else "Every placeholder has a value.",
    )
    notes = [m.group(0) for m in _EDIT_NOTE.finditer(text) if m.group(0).startswith("[[edit:")]
    notes += [m.group(0) for m in _LEFTOVER_PLACEHOLDER.finditer(text)]
    yield CheckItem(
        "general.drafting_notes_removed",
        "No drafting notes or unrendered placeholders left",
        not notes,
        f"Still in the text: {'; '.join(notes)}." if notes else "None left.",
    )
    empty = [s.heading for s in sections if s.level > 1 and s.is_empty]
    yield CheckItem(
        "general.no_empty_sections",
        "No empty sections",
        not empty,
        f"Empty: {', '.join(empty)}." if empty else "Every section has text.",
    )


def _hipaa_items(sections: Sequence[Section]):
    for element in HIPAA_ELEMENTS:
        item = _element_item(sections, element)
        section = _find_section(sections, element.headings)
        body = _plain(section.body) if section else ""
        if element.id == "hipaa.what_happened":
            dates = _DATE.findall(body)
            item = _with_requirement(item, bool(dates), "a date (discovery, and breach if known)")
            yield item
            yield CheckItem(
                "hipaa.breach_and_discovery_dates",
                "Both the date of the breach and the date of discovery",
                len(dates) >= 2,
                "Two or more dates given."
                if len(dates) >= 2
                else "Give the date of the breach and the date of discovery, or say that the "
                "breach date is not yet known.",
                blocking=False,
            )
            continue
        if element.id == "hipaa.contact":
            reachable = any(p.search(body) for p in (_PHONE, _EMAIL, _URL))
            item = _with_requirement(item, reachable, "a phone number, email address or website")
        yield item


def _substitute_items(text: str):
    found = bool(_TOLL_FREE.search(_plain(text)))
    yield CheckItem(
        "hipaa.substitute_toll_free",
        "A toll-free number, active for at least 90 days",
        found,
        "Toll-free number given." if found else "Missing: a toll-free number (800, 888, …).",
    )


def _ca_items(text: str, sections: Sequence[Section]):
    title = document_title(text)
    yield CheckItem(
        "ca.title",
        f"Titled “{CA_TITLE}”",
        title == CA_TITLE,
        "Title is correct."
        if title == CA_TITLE
        else f"The first “# ” heading must read exactly “{CA_TITLE}” (found {title!r}).",
    )
    found: list[tuple[int, str]] = []
    for heading in CA_HEADINGS:
        section = _find_section(sections, (heading,))
        item_id = "ca.heading." + heading.lower().replace(" ", "_")
        label = f"Heading “{heading}”"
        if section is None:
            yield CheckItem(item_id, label, False, f"Missing: heading “{heading}”.")
            continue
        found.append((section.order, heading))
        yield CheckItem(
            item_id,
            label,
            not section.is_empty,
            f"“{heading}” is empty." if section.is_empty else "Present.",
        )
    out_of_order = []
    for index, (position, heading) in enumerate(found):
        overtaken = next((h for p, h in found[:index] if p > position), None)
        if overtaken:
            out_of_order.append(f"“{heading}” comes before “{overtaken}”")
    yield CheckItem(
        "ca.heading_order",
        "Headings in the required order",
        not out_of_order,
        "; ".join(out_of_order) + "." if out_of_order else " · ".join(CA_HEADINGS),
    )
    plain = _plain(text)
    preamble = _plain(text.split("\n## ", 1)[0]) if "\n## " in text else plain
    dated = bool(_DATE.search(preamble)) or any(
        _DATE.search(line) for line in plain.splitlines() if _DATE_OF_NOTICE.search(line)
    )
    yield CheckItem(
        "ca.notice_date",
        "Date of the notice",
        dated,
        "Dated." if dated else "Missing: the date of the notice, above the first section.",
    )
    mentions = bool(_LAW_ENFORCEMENT.search(plain))
    yield CheckItem(
        "ca.law_enforcement",
        "Whether law enforcement delayed the notice",
        mentions,
        "Stated." if mentions else "Missing: whether a law enforcement investigation delayed it.",
    )
    if _SSN_OR_ID.search(plain):
        absent = [b for b in CREDIT_BUREAUS if b.lower() not in plain.lower()]
        yield CheckItem(
            "ca.credit_bureaus",
            "Credit bureau contacts (SSN or ID number involved)",
            not absent,
            f"Missing: {', '.join(absent)}." if absent else "Equifax, Experian and TransUnion.",
        )


def _gdpr_items(sections: Sequence[Section]):
    for element in GDPR_ELEMENTS:
        item = _element_item(sections, element)
        section = _find_section(sections, element.headings)
        body = _plain(section.body) if section else ""
        if element.id == "gdpr.nature":
            absent = [name for name, pattern in _GDPR_NATURE_TERMS if not pattern.search(body)]
            item = _with_requirement(item, not absent, ", ".join(absent))
        elif element.id == "gdpr.contact_point":
            reachable = bool(_EMAIL.search(body) or _PHONE.search(body))
            item = _with_requirement(item, reachable, "an email address or phone number")
        yield item


def check_content(
    kind: str,
    text: str,
    *,
    california: bool = False,
    eu_regulator: bool = False,
    missing_facts: Sequence[str] = (),
) -> list[CheckItem]:
    """Return the content checklist of a rendered document of a kind."""
    checklists = kind_spec(kind).checklists
    sections = parse_sections(text)
    items: list[CheckItem] = []
    if CHECKLIST_GENERAL in checklists:
        items += _general_items(text, sections, missing_facts)
    if CHECKLIST_HIPAA_NOTICE in checklists:
        items += _hipaa_items(sections)
    if CHECKLIST_HIPAA_SUBSTITUTE in checklists:
        items += _substitute_items(text)
    if CHECKLIST_CA_NOTICE in checklists and california:
        items += _ca_items(text, sections)
    if CHECKLIST_GDPR_ART33 in checklists and eu_regulator:
        items += _gdpr_items(sections)
    return items


def blocking_failures(items: Iterable[CheckItem]) -> list[CheckItem]:
    """Return the failed items that hold up approval."""
    return [item for item in items if item.blocking and not item.passed]
