from django import forms

from ..stakeholders.forms import BeaconForm


class PublishForm(BeaconForm):
    title = forms.CharField(
        max_length=200,
        required=False,
        label="Public headline",
        help_text="Shown to the public and used in the address; defaults to the approved "
        "incident name. Never the internal incident title.",
    )


class UnpublishForm(BeaconForm):
    reason = forms.CharField(max_length=300, label="Why is the page coming down?")
