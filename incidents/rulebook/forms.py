"""Counsel's review form: what counsel concluded, the statute's words, and the source."""

from django import forms

from ..forms import BeaconForm
from .reviews import EXCERPT_LIMIT, NOTE_LIMIT


class RuleReviewForm(BeaconForm):
    """A review of the rule version the page showed: its data hash comes back with the form."""

    rule_hash = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    note = forms.CharField(
        label="Counsel's note",
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you concluded, and your answer to each open question.",
    )
    statute_excerpt = forms.CharField(
        label="Statute text relied on",
        required=False,
        max_length=EXCERPT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The statute's own words, as you read them.",
    )
    source_link = forms.URLField(
        label="Source link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Where you read the text (the legislature's or an official site).",
    )
