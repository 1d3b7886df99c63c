"""Media desk forms. Times are entered in the incident's time zone."""

from django import forms
from django.contrib.auth import get_user_model

from incidents.forms import BoundedModelChoiceField, local_datetime_field

from ..models import CoverageAccuracy, CoverageTone, InquiryStatus, MediaInquiry
from ..stakeholders.forms import BeaconForm


def _spokespeople():
    return get_user_model().objects.filter(is_active=True, groups__isnull=False).distinct()


class InquiryForm(BeaconForm):
    reporter = forms.CharField(max_length=200)
    outlet = forms.CharField(max_length=200)
    reporter_email = forms.EmailField(required=False, label="Reporter's email")
    reporter_phone = forms.CharField(max_length=40, required=False, label="Reporter's phone")
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    received_at = local_datetime_field("Received", required=False, help_text="Empty for now.")
    deadline = local_datetime_field("Reporter's deadline", required=False)
    spokesperson = BoundedModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spokesperson"].queryset = _spokespeople()


class InquiryUpdateForm(BeaconForm):
    spokesperson = BoundedModelChoiceField(queryset=None, required=False)
    deadline = local_datetime_field("Reporter's deadline", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spokesperson"].queryset = _spokespeople()


class InquiryStatusForm(BeaconForm):
    status = forms.ChoiceField(choices=InquiryStatus.choices)


class RespondForm(BeaconForm):
    statement = BoundedModelChoiceField(
        queryset=None,
        label="Approved statement to quote",
        help_text="Released public statements only. Anything you add goes to legal for review.",
    )

    def __init__(self, *args, statements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statement"].queryset = statements
        self.fields["statement"].label_from_instance = lambda d: (
            f"{d.title} ({d.get_kind_display()}, released v{d.released_version.number})"
        )


class CoverageForm(BeaconForm):
    url = forms.URLField(max_length=500, label="Link", assume_scheme="https")
    outlet = forms.CharField(max_length=200)
    headline = forms.CharField(max_length=300, required=False)
    published_at = local_datetime_field("Published", required=False)
    tone = forms.ChoiceField(choices=CoverageTone.choices, initial=CoverageTone.NEUTRAL)
    accuracy = forms.ChoiceField(choices=CoverageAccuracy.choices)
    correction_note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="What needs correcting"
    )
    inquiry = BoundedModelChoiceField(queryset=MediaInquiry.objects.none(), required=False)

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None:
            self.fields["inquiry"].queryset = incident.media_inquiries.all()


class CoverageUpdateForm(BeaconForm):
    tone = forms.ChoiceField(choices=CoverageTone.choices)
    accuracy = forms.ChoiceField(choices=CoverageAccuracy.choices)
    correction_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
