"""Place codes the clocks understand: ISO 3166-1 countries, ISO 3166-2:US subdivisions, the EU.

A rule's jurisdiction, an affected region, a licence and an establishment are all written as
these codes. Puerto Rico and the other US outlying areas hold an ISO 3166-1 code of their own
(``PR``) as well as an ISO 3166-2:US one (``US-PR``): both spellings name one place.
"""

from __future__ import annotations

# ISO 3166-1 alpha-2, officially assigned codes.
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 (a block of codes reads better than 249 quoted strings)
)

# ISO 3166-2:US: the 50 states, the District of Columbia and the outlying areas.
US_SUBDIVISIONS = frozenset(
    f"US-{code}"
    for code in """
    AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI
    """.split()  # noqa: SIM905
)

# The outlying areas also hold their own ISO 3166-1 code; both spellings name one place.
US_TERRITORY_ALIASES = {
    "AS": "US-AS",
    "GU": "US-GU",
    "MP": "US-MP",
    "PR": "US-PR",
    "UM": "US-UM",
    "VI": "US-VI",
}

# Greece is GR in ISO 3166-1 (the EU itself writes EL).
EU_MEMBER_STATES = frozenset(
    """
    AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK
    """.split()  # noqa: SIM905
)

# The European Economic Area: the EU and Iceland, Liechtenstein and Norway (GDPR applies there).
EEA_STATES = EU_MEMBER_STATES | {"IS", "LI", "NO"}

# Names a rule's `applies_to.established_in` may use for a group of countries.
COUNTRY_GROUPS = {"EU": EU_MEMBER_STATES, "EEA": EEA_STATES}


def canonical_region(code: str) -> str:
    """Return the region code with US outlying areas spelled as US subdivisions."""
    return US_TERRITORY_ALIASES.get(code, code)


def is_region_code(code: str) -> bool:
    """Return whether ``code`` is an ISO 3166-1 country or an ISO 3166-2:US subdivision."""
    return code in COUNTRY_CODES or code in US_SUBDIVISIONS


def is_jurisdiction_code(code: str) -> bool:
    """Return whether ``code`` can name a rule's jurisdiction (a region, or ``EU``)."""
    return code == "EU" or is_region_code(code)


def is_us_subdivision(code: str) -> bool:
    """Return whether ``code`` names a US state, DC or territory (either spelling)."""
    return canonical_region(code) in US_SUBDIVISIONS


def countries_in(names: tuple[str, ...]) -> frozenset[str]:
    """Return the countries that a list of country codes and group names (EU, EEA) covers."""
    countries: set[str] = set()
    for name in names:
        countries |= COUNTRY_GROUPS.get(name, {name})
    return frozenset(countries)
