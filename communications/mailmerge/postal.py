"""Whether a postal address can carry a letter, and the country line an envelope prints.

Country codes and US state codes come from pycountry (ISO 3166-1 and ISO 3166-2:US), plus the
codes the US Postal Service adds: the freely associated states, which hold their own ISO 3166-1
code, and the armed forces' APO/FPO/DPO "states".
"""

from __future__ import annotations

import re

import pycountry

ISO_COUNTRY_CODES = frozenset(country.alpha_2 for country in pycountry.countries)
USPS_EXTRA_STATE_CODES = frozenset({"FM", "MH", "PW", "AA", "AE", "AP"})
US_STATE_CODES = (
    frozenset(
        subdivision.code.removeprefix("US-")
        for subdivision in pycountry.subdivisions.get(country_code="US")
    )
    | USPS_EXTRA_STATE_CODES
)
US_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")

# Postal code formats for a few countries; None: the country does not use postal codes.
# Any other country needs a non-empty postal code.
POSTAL_CODE_PATTERNS: dict[str, re.Pattern | None] = {
    "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),
    "CA": re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"),
    "DE": re.compile(r"^\d{5}$"),
    "FR": re.compile(r"^\d{5}$"),
    "MX": re.compile(r"^\d{5}$"),
    "IE": re.compile(r"^[A-Z]\d[\dW] ?[A-Z\d]{4}$"),
    "HK": None,
    "AE": None,
    "QA": None,
    "BS": None,
    "JM": None,
}
POSTAL_CODE_OPTIONAL = frozenset({"IE"})  # Eircodes are checked when given, not required
_ANY_POSTAL_CODE = re.compile(r"^\S.*$")

# The address block's last line, as the post writes it, for the countries we see most; others
# print their ISO code. (ISO's own names, such as "Korea, Republic of", are not always the
# post's, so this stays a short table of our own.)
COUNTRY_NAMES = {
    "CA": "CANADA",
    "MX": "MEXICO",
    "GB": "UNITED KINGDOM",
    "IE": "IRELAND",
    "DE": "GERMANY",
    "FR": "FRANCE",
    "ES": "SPAIN",
    "IT": "ITALY",
    "PH": "PHILIPPINES",
    "IN": "INDIA",
    "CN": "CHINA",
    "VN": "VIET NAM",
    "KR": "KOREA, REPUBLIC OF",
    "JP": "JAPAN",
    "PR": "PUERTO RICO",
}


def mailing_country_name(country: str) -> str:
    """Return the country line of an address block abroad: its name, else its ISO code."""
    return COUNTRY_NAMES.get(country, country)


def postal_address_problems(
    line1: str, city: str, region: str, postal_code: str, country: str
) -> list[tuple[str, str]]:
    """Return (column, problem) pairs that make a postal address unusable for mail."""
    problems = []
    if not line1:
        problems.append(("address_line1", "missing"))
    if not city:
        problems.append(("city", "missing"))
    if country not in ISO_COUNTRY_CODES:
        hint = "; use GB for the United Kingdom" if country == "UK" else ""
        problems.append(("country", f"not an ISO 3166-1 two-letter code{hint}"))
        return problems
    if country == "US":
        if region not in US_STATE_CODES:
            problems.append(("region", "not a US state or territory code"))
        if not US_ZIP_RE.match(postal_code):
            problems.append(("postal_code", "ZIP code must be 12345 or 12345-6789"))
        return problems
    pattern = POSTAL_CODE_PATTERNS.get(country, _ANY_POSTAL_CODE)
    if pattern is None:
        return problems
    if not postal_code:
        if country not in POSTAL_CODE_OPTIONAL:
            problems.append(("postal_code", "missing"))
    elif not pattern.match(postal_code):
        problems.append(("postal_code", f"not a valid {country} postal code"))
    return problems
