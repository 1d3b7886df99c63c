"""Forms for who the law binds: the hospital profile (Legal's settings), an incident's answers."""

from functools import cache

import pycountry
from django import forms

from .clocks.codes import US_SUBDIVISIONS
from .forms import BeaconForm
from .profile import (
    BOOLEAN_FACTS,
    ESTABLISHMENT_COUNTRIES,
    FACTS,
    LABELS,
    PROMPTLY_RANGE,
    ProfileValues,
    describe,
)

HELP = {
    "hipaa_covered_entity": "A covered entity sees the HIPAA clocks; state laws say whether "
    "they apply to it, are satisfied by its HIPAA notice, or do not apply.",
    "licensed_in": "Facility licences bind whatever the patients' residence: California CDPH "
    "(Health & Safety Code § 1280.15) and New York's 72-hour report (10 NYCRR 405.46).",
    "ny_article_28_general_hospital": "Its New York licence is a Public Health Law Article 28 "
    "general-hospital licence: 10 NYCRR 405.46 binds those.",
    "sec_registrant": "It or its parent files with the SEC: Form 8-K Item 1.05.",
    "established_in": "An establishment in an EU/EEA country brings in GDPR and NIS2; in the "
    "United Kingdom, UK GDPR and UK NIS. The United States is always included.",
    "promptly_days": "The hospital's written reading of 'as soon as law enforcement allows' "
    "(California, Texas, New York, Washington): calendar days after a hold is released.",
}


@cache
def licence_choices() -> list[tuple[str, str]]:
    """Return the US states and territories as (ISO 3166-2 code, "US-CA California")."""
    names = {s.code: s.name for s in pycountry.subdivisions.get(country_code="US")}
    return [(code, f"{code} {names.get(code, '')}".strip()) for code in sorted(US_SUBDIVISIONS)]


@cache
def establishment_choices() -> list[tuple[str, str]]:
    """Return the EEA countries and the United Kingdom as (alpha-2 code, "DE Germany")."""
    choices = []
    for code in ESTABLISHMENT_COUNTRIES:
        country = pycountry.countries.get(alpha_2=code)
        choices.append((code, f"{code} {getattr(country, 'name', '')}".strip()))
    return choices


def _codes_field(fact: str, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=LABELS[fact],
        choices=choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=HELP[fact] + " Hold Ctrl (⌘ on a Mac) to choose several.",
    )


class HospitalProfileForm(BeaconForm):
    """The hospital profile: every incident starts from it."""

    hipaa_covered_entity = forms.BooleanField(
        required=False, label=LABELS["hipaa_covered_entity"], help_text=HELP["hipaa_covered_entity"]
    )
    licensed_in = _codes_field("licensed_in", licence_choices)
    ny_article_28_general_hospital = forms.BooleanField(
        required=False,
        label=LABELS["ny_article_28_general_hospital"],
        help_text=HELP["ny_article_28_general_hospital"],
    )
    sec_registrant = forms.BooleanField(
        required=False, label=LABELS["sec_registrant"], help_text=HELP["sec_registrant"]
    )
    established_in = _codes_field("established_in", establishment_choices)
    promptly_days = forms.IntegerField(
        label=LABELS["promptly_days"] + " (calendar days)",
        min_value=PROMPTLY_RANGE[0],
        max_value=PROMPTLY_RANGE[1],
        help_text=HELP["promptly_days"],
    )

    @staticmethod
    def initial_from(values: ProfileValues) -> dict:
        """Return the form's initial values for a profile."""
        return values.as_dict()


YES_NO = {"yes": True, "no": False}
OWN = "own"


def _answer_field(fact: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=LABELS[fact],
        choices=[("", "As the hospital profile"), ("yes", "Yes"), ("no", "No")],
        required=False,
        help_text=HELP[fact],
    )


def _source_field(fact: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=LABELS[fact],
        choices=[("", "As the hospital profile"), (OWN, "This incident's own, below")],
        required=False,
    )


def _own_codes_field(fact: str, choices) -> forms.MultipleChoiceField:
    field = _codes_field(fact, choices)
    field.label = f"{LABELS[fact]}: this incident's own"
    field.help_text = (
        HELP[fact] + " Used when the choice above is 'this incident's own' (none chosen: none at "
        "all). Hold Ctrl (⌘ on a Mac) to choose several."
    )
    return field


class IncidentProfileForm(BeaconForm):
    """An incident's own answers; each left "as the hospital profile" follows the hospital's.

    `cleaned_answers()` returns every fact: its own answer, or None for "as the hospital".
    """

    hipaa_covered_entity = _answer_field("hipaa_covered_entity")
    licensed_in_source = _source_field("licensed_in")
    licensed_in = _own_codes_field("licensed_in", licence_choices)
    ny_article_28_general_hospital = _answer_field("ny_article_28_general_hospital")
    sec_registrant = _answer_field("sec_registrant")
    established_in_source = _source_field("established_in")
    established_in = _own_codes_field("established_in", establishment_choices)
    promptly_days = forms.IntegerField(
        label=LABELS["promptly_days"] + " (calendar days)",
        min_value=PROMPTLY_RANGE[0],
        max_value=PROMPTLY_RANGE[1],
        required=False,
    )

    def __init__(self, *args, hospital: ProfileValues, **kwargs):
        super().__init__(*args, **kwargs)
        for fact in FACTS:  # say what "as the hospital profile" is today
            as_hospital = f"As the hospital profile ({describe(fact, getattr(hospital, fact))})"
            if fact == "promptly_days":
                self.fields[fact].help_text = f"Empty: {as_hospital[0].lower()}{as_hospital[1:]}."
                continue
            name = f"{fact}_source" if fact in ("licensed_in", "established_in") else fact
            choices = list(self.fields[name].choices)
            self.fields[name].choices = [("", as_hospital), *choices[1:]]

    @staticmethod
    def initial_from(answers: dict) -> dict:
        """Return the form's initial values for the incident's stored answers."""
        initial = {}
        for fact, value in answers.items():
            if fact in BOOLEAN_FACTS:
                initial[fact] = "yes" if value else "no"
            elif fact in ("licensed_in", "established_in"):
                initial[f"{fact}_source"] = OWN
                initial[fact] = list(value)
            else:
                initial[fact] = value
        return initial

    def cleaned_answers(self) -> dict:
        data = self.cleaned_data
        answers = {}
        for fact in BOOLEAN_FACTS:
            answers[fact] = YES_NO.get(data.get(fact) or "")
        for fact in ("licensed_in", "established_in"):
            own = data.get(f"{fact}_source") == OWN
            answers[fact] = list(data.get(fact) or []) if own else None
        answers["promptly_days"] = data.get("promptly_days")
        return answers
