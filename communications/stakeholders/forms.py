"""Stakeholder forms: they type and bound the input; services decide what is allowed."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model

from incidents.forms import BoundedModelChoiceField, local_datetime_field

from ..documents.kinds import DocumentKind
from ..models import (
    Contact,
    ContactChannel,
    NotificationOutcome,
    StakeholderGroup,
    StakeholderStatus,
)
from .contacts_csv import MAX_BYTES


class BeaconForm(forms.Form):
    """Laid out by crispy without a <form> tag (templates own the tag and the button)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class GroupForm(BeaconForm):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = list(Contact.EDITABLE_FIELDS)
        widgets = {
            "postal_address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ContactImportForm(BeaconForm):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: group, name, organisation, role, email, phone, postal_address, "
        "preferred_channel, notes. Nothing is imported while any row has a problem.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")
        return upload


def _users():
    return get_user_model().objects.filter(is_active=True, groups__isnull=False).distinct()


class MapAddForm(BeaconForm):
    group = BoundedModelChoiceField(queryset=StakeholderGroup.objects.order_by("name"))
    owner = BoundedModelChoiceField(queryset=_users(), required=False)
    messages_needed = forms.MultipleChoiceField(
        choices=DocumentKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()
        if incident is not None:
            self.fields["group"].queryset = StakeholderGroup.objects.exclude(
                pk__in=incident.stakeholders.values("group_id")
            ).order_by("name")


class MapUpdateForm(BeaconForm):
    owner = BoundedModelChoiceField(queryset=_users(), required=False)
    messages_needed = forms.MultipleChoiceField(
        choices=DocumentKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()


class StatusForm(BeaconForm):
    status = forms.ChoiceField(choices=StakeholderStatus.choices)


class SendForm(BeaconForm):
    document = BoundedModelChoiceField(
        queryset=None, help_text="Only documents with a released version can be sent."
    )
    subject = forms.CharField(max_length=200, required=False, help_text="Defaults to the kind.")

    def __init__(self, *args, documents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents
        self.fields["document"].label_from_instance = lambda d: (
            f"{d.title} (released v{d.released_version.number})"
        )


class NotificationForm(BeaconForm):
    stakeholder = BoundedModelChoiceField(queryset=None, label="Stakeholder group")
    contact = BoundedModelChoiceField(
        queryset=Contact.objects.none(), required=False, help_text="From the group's contacts."
    )
    recipient = forms.CharField(
        max_length=200, required=False, help_text="Who, if not a listed contact."
    )
    channel = forms.ChoiceField(choices=ContactChannel.choices, initial=ContactChannel.PHONE)
    document = BoundedModelChoiceField(
        queryset=None, required=False, help_text="A released document, if one was sent."
    )
    message = forms.CharField(max_length=300, required=False, label="What was said or sent")
    sent_at = local_datetime_field("When", required=False, help_text="Leave empty for now.")
    outcome = forms.ChoiceField(choices=NotificationOutcome.choices)
    outcome_note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, incident=None, documents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = incident.stakeholders.select_related("group")
        self.fields["stakeholder"].label_from_instance = lambda row: row.group.name
        self.fields["contact"].queryset = Contact.objects.filter(
            group__in=incident.stakeholders.values("group_id"), active=True
        ).select_related("group")
        self.fields["contact"].label_from_instance = lambda c: f"{c} · {c.group}"
        self.fields["document"].queryset = documents


class OutcomeForm(BeaconForm):
    outcome = forms.ChoiceField(choices=NotificationOutcome.choices)
    note = forms.CharField(max_length=300, required=False)
