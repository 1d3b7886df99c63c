"""The vocabulary of an incident's key facts sheet, and how each fact's value is checked.

Every document draws its facts (dates, counts, the hotline) from one approved sheet, so the letter,
the press release, the website and the call-centre script agree word for word. A value is stored
as the text that appears in the document: dates read "March 3, 2025", counts "12,418".
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

FactKind = Literal["text", "date", "number", "phone", "url", "email"]


@dataclass(frozen=True)
class KeyFact:
    """One entry of the key facts sheet."""

    key: str
    label: str
    help: str
    example: str
    kind: FactKind = "text"
    # A paragraph fact may wrap over several lines but never holds more than one paragraph.
    paragraph: bool = False


KEY_FACTS: tuple[KeyFact, ...] = (
    KeyFact(
        "hospital_name",
        "Hospital name",
        "The name patients know, as it should appear in every document.",
        "Riverside Community Hospital",
    ),
    KeyFact(
        "incident_name",
        "Incident name",
        "A short neutral name for the incident, used in headlines and subject lines.",
        "Network security incident",
    ),
    KeyFact(
        "breach_start_date",
        "Breach start date",
        "The first date of unauthorised access, if known.",
        "March 1, 2025",
        "date",
    ),
    KeyFact(
        "breach_end_date",
        "Breach end date",
        "The last date of unauthorised access, if known (the start date for a single day).",
        "March 3, 2025",
        "date",
    ),
    KeyFact(
        "discovery_date",
        "Discovery date",
        "The date the hospital discovered the incident (HIPAA day 0).",
        "March 4, 2025",
        "date",
    ),
    KeyFact(
        "notice_date",
        "Date of notice",
        "The date printed on letters and notices.",
        "April 2, 2025",
        "date",
    ),
    KeyFact(
        "affected_count",
        "People affected",
        "The approximate number of individuals whose information was involved.",
        "12,418",
        "number",
    ),
    KeyFact(
        "affected_records_count",
        "Records affected",
        "The approximate number of records involved (GDPR Art. 33 asks for both numbers).",
        "15,200",
        "number",
    ),
    KeyFact(
        "data_types",
        "Types of information involved",
        "The kinds of protected health information involved, as a plain-language list.",
        "name, address, date of birth, medical record number and treatment information",
    ),
    KeyFact(
        "what_happened",
        "What happened",
        "One approved paragraph describing the incident: confirmed facts only.",
        "An unauthorised person gained access to part of our computer network and copied some "
        "files.",
        paragraph=True,
    ),
    KeyFact(
        "what_we_are_doing",
        "What we are doing",
        "One approved paragraph on how the hospital is investigating, limiting harm and "
        "preventing a recurrence.",
        "We secured our systems, engaged independent cybersecurity experts and notified law "
        "enforcement. We are strengthening how we monitor our network.",
        paragraph=True,
    ),
    KeyFact(
        "what_you_can_do",
        "What you can do",
        "One approved paragraph on the steps people should take to protect themselves.",
        "Review statements from your health insurer and healthcare providers, and tell them "
        "about any service you did not receive.",
        paragraph=True,
    ),
    KeyFact(
        "likely_consequences",
        "Likely consequences",
        "The likely consequences of the breach for the people affected (GDPR Art. 33).",
        "Affected people may be at increased risk of phishing and identity fraud.",
        paragraph=True,
    ),
    KeyFact(
        "patient_care_status",
        "Patient care status",
        "One sentence on whether care continues and where patients should go.",
        "Our emergency department remains open and patient care continues.",
    ),
    KeyFact(
        "services_affected",
        "Services affected",
        "The services that are delayed, moved or unavailable.",
        "online appointment booking and the patient portal",
    ),
    KeyFact(
        "vendor_name",
        "Vendor name",
        "The business associate or vendor where the incident happened, once confirmed.",
        "Acme Billing Services",
    ),
    KeyFact(
        "hotline",
        "Hotline",
        "The toll-free number patients call with questions.",
        "1-800-555-0142",
        "phone",
    ),
    KeyFact(
        "hotline_hours",
        "Hotline hours",
        "When the hotline is staffed, with the time zone.",
        "Monday to Friday, 8 a.m. to 8 p.m. Eastern Time",
    ),
    KeyFact(
        "website",
        "Incident web page",
        "The public page with updates about the incident.",
        "https://www.example.org/notice",
        "url",
    ),
    KeyFact(
        "contact_email",
        "Contact email",
        "The mailbox patients may write to about the incident.",
        "privacy@example.org",
        "email",
    ),
    KeyFact(
        "postal_address",
        "Postal address",
        "The address patients may write to, on one line.",
        "Privacy Office, 100 River Road, Springfield, CA 90000",
    ),
    KeyFact(
        "credit_monitoring_offer",
        "Credit monitoring offer",
        "What is offered, for how long and by whom.",
        "24 months of complimentary credit monitoring and identity restoration services",
    ),
    KeyFact(
        "credit_monitoring_url",
        "Credit monitoring enrolment website",
        "Where people enrol in the offered service.",
        "https://enroll.example.com",
        "url",
    ),
    KeyFact(
        "credit_monitoring_enrol_by",
        "Enrol by",
        "The last day to enrol in the offered service.",
        "July 31, 2025",
        "date",
    ),
    KeyFact(
        "law_enforcement_delay",
        "Law enforcement delay",
        "One sentence stating whether a law enforcement investigation delayed this notice.",
        "This notice was not delayed by a law enforcement investigation.",
    ),
    KeyFact(
        "spokesperson",
        "Spokesperson",
        "The person named as the source of quotes and statements.",
        "Dana Whitfield",
    ),
    KeyFact(
        "spokesperson_title",
        "Spokesperson title",
        "The spokesperson's job title.",
        "President and Chief Executive Officer",
    ),
    KeyFact(
        "media_phone",
        "Media line",
        "The number reporters call.",
        "(555) 010-0199",
        "phone",
    ),
    KeyFact(
        "media_email",
        "Media email",
        "The mailbox reporters write to.",
        "media@example.org",
        "email",
    ),
    KeyFact(
        "signatory",
        "Letter signed by",
        "The person who signs letters to patients and regulators.",
        "Jordan Lee",
    ),
    KeyFact(
        "signatory_title",
        "Signatory title",
        "The signatory's job title.",
        "Chief Privacy Officer",
    ),
    KeyFact(
        "dpo_name",
        "Data protection officer",
        "The data protection officer or other contact point for the supervisory authority.",
        "Alex Morgan, Data Protection Officer",
    ),
    KeyFact(
        "dpo_email",
        "Data protection officer email",
        "The mailbox of the data protection officer or contact point.",
        "dpo@example.org",
        "email",
    ),
    KeyFact(
        "next_update",
        "Next update",
        "When and where the next update will be given.",
        "by 5 p.m. Eastern Time on Thursday, March 6, on our website",
    ),
)

KEY_FACTS_BY_KEY: dict[str, KeyFact] = {fact.key: fact for fact in KEY_FACTS}

MAX_LINE_LENGTH = 300
MAX_PARAGRAPH_LENGTH = 2000

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.? (\d{1,2}), (\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2}) ([A-Za-z]+)\.? (\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMBER = re.compile(r"\d{1,3}(,\d{3})+|\d+")
_PHONE = re.compile(r"\+?[\d\s().-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _date_error(value: str) -> str | None:
    for pattern, order in ((_MONTH_DAY_YEAR, "mdy"), (_DAY_MONTH_YEAR, "dmy"), (_ISO_DATE, "ymd")):
        match = pattern.fullmatch(value)
        if not match:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        month = _MONTHS.get(parts["m"].lower()) if order != "ymd" else int(parts["m"])
        if month is None:
            return f"{parts['m']!r} is not a month."
        try:
            dt.date(int(parts["y"]), month, int(parts["d"]))
        except ValueError:
            return f"{value!r} is not a real date."
        return None
    return "Enter a date like “March 3, 2025”, “3 March 2025” or “2025-03-03”."


def _phone_error(value: str) -> str | None:
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.fullmatch(value) or not 7 <= digits <= 15:
        return "Enter a phone number like “1-800-555-0142” or “+44 20 7946 0000”."
    return None


def _url_error(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in value):
        return "Enter a web address starting with https://."
    return None


def _kind_error(kind: FactKind, value: str) -> str | None:
    if kind == "date":
        return _date_error(value)
    if kind == "number" and not _NUMBER.fullmatch(value):
        return "Enter a whole number, with or without thousands separators (“12,418”)."
    if kind == "phone":
        return _phone_error(value)
    if kind == "url":
        return _url_error(value)
    if kind == "email" and not _EMAIL.fullmatch(value):
        return "Enter an email address like “privacy@example.org”."
    return None


def validate_fact(key: str, value: str) -> str | None:
    """Return why value cannot be the key fact key, or None when it can.

    A blank value is valid: it means "not set yet", and rendering reports the fact as missing.
    """
    fact = KEY_FACTS_BY_KEY.get(key)
    if fact is None:
        return f"{key!r} is not a key fact."
    value = value.strip()
    if not value:
        return None
    if fact.paragraph:
        if re.search(r"\n\s*\n", value):
            return f"{fact.label}: use a single paragraph."
        if len(value) > MAX_PARAGRAPH_LENGTH:
            return f"{fact.label}: keep it under {MAX_PARAGRAPH_LENGTH} characters."
    else:
        if "\n" in value:
            return f"{fact.label}: use a single line."
        if len(value) > MAX_LINE_LENGTH:
            return f"{fact.label}: keep it under {MAX_LINE_LENGTH} characters."
    error = _kind_error(fact.kind, value)
    return f"{fact.label}: {error}" if error else None


def example_facts() -> dict[str, str]:
    """Return every key fact filled with its example value, for previews and tests."""
    return {fact.key: fact.example for fact in KEY_FACTS}
