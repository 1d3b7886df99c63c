"""Turn recipients and approved letter versions into what the mail-merge engine prints.

Pure functions apart from the template engine: plain values in, plain values out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from communications.documents.markup import body_to_html
from communications.mailmerge.engine import LetterRecipient, VariantSource
from communications.mailmerge.recipients_csv import RecipientRow

LETTER_TEMPLATE = "pdf/mailmerge_letter.html"  # a print layout: no CSP, so <style> is fine
# Categories whose exposure calls for the credit-bureau (fraud alert, credit freeze) wording.
CREDIT_RISK_CATEGORIES = frozenset({"ssn", "financial", "driver_license"})
SALUTATIONS = {"en": "Dear {name},", "es": "Estimado/a {name}:"}
DEFAULT_SALUTATION = SALUTATIONS["en"]
KEY_SEPARATOR = "+"
# The approved text's own generic greeting ("Dear Patient,"): the engine prints the
# recipient's name in its place, so the letter never greets twice.
GENERIC_SALUTATION = re.compile(
    r"^[ \t]*(?:dear|estimad[oa](?:/a)?)\s+[^,:\n]{1,40}[,:][ \t]*\n", re.IGNORECASE | re.MULTILINE
)


def without_generic_salutation(body: str) -> str:
    """Return the body without its first generic greeting line, if it has one."""
    return GENERIC_SALUTATION.sub("", body, count=1)


def variant_key_for(
    *, language: str, country: str, region: str, phi_categories: Sequence[str]
) -> str:
    """Return the variant a recipient gets: language, then +ca and +credit where they apply.

    ``+ca``: a California resident (US, region CA) gets the California "Notice of Data Breach"
    format. ``+credit``: SSN, financial or driver's licence data calls for credit-bureau wording.
    """
    parts = [language or "en"]
    if country == "US" and region == "CA":
        parts.append("ca")
    if CREDIT_RISK_CATEGORIES.intersection(phi_categories):
        parts.append("credit")
    return KEY_SEPARATOR.join(parts)


def variant_key_parts(key: str) -> tuple[str, bool, bool]:
    """Return (language, california, credit) of a variant key."""
    language, *flags = key.split(KEY_SEPARATOR)
    return language, "ca" in flags, "credit" in flags


def salutation_format(language: str) -> str:
    """Return the salutation pattern for a language ({name} is the addressee)."""
    return SALUTATIONS.get(language.split("-")[0], DEFAULT_SALUTATION)


def letter_html(
    *,
    body: str,
    title: str,
    language: str,
    hospital_name: str,
    hospital_address: str,
) -> str:
    """Return the HTML of a variant: letterhead, a blank envelope window, salutation slot, body."""
    return render_to_string(
        LETTER_TEMPLATE,
        {
            "title": title,
            "language": language,
            "hospital_name": hospital_name,
            "hospital_address": [line for line in hospital_address.splitlines() if line.strip()],
            # body_to_html sanitises with an allowlist; nothing else reaches the page unescaped.
            "body_html": mark_safe(body_to_html(without_generic_salutation(body))),  # noqa: S308
        },
    )


def variant_source(
    *, key: str, body: str, title: str, approved_sha256: str, hospital_name: str, address: str
) -> VariantSource:
    """Return what the engine lays out for a variant: an approved version's text as a letter."""
    language = variant_key_parts(key)[0]
    return VariantSource(
        key=key,
        html=letter_html(
            body=body,
            title=title,
            language=language,
            hospital_name=hospital_name,
            hospital_address=address,
        ),
        approved_sha256=approved_sha256,
        salutation_format=salutation_format(language),
    )


def letter_recipient(row: RecipientRow, variant_key: str) -> LetterRecipient:
    """Return the engine's recipient: the address block and the addressee's name."""
    return LetterRecipient(
        reference=row.reference,
        variant_key=variant_key,
        address_lines=row.mailing_address_lines,
        salutation_name=row.addressee_name,
    )
