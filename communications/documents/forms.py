"""Document forms: validation and clear messages."""

from crispy_forms.helper import FormHelper
from django import forms

from incidents.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from incidents.models import Obligation, ObligationStatus

from .keyfacts import KEY_FACTS
from .kinds import DocumentKind
from .models import DocumentTemplate, ReleaseChannel

MAX_BODY_CHARS = 100_000


class BeaconForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class DocumentCreateForm(BeaconForm):
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    template = BoundedModelChoiceField(
        queryset=DocumentTemplate.objects.filter(active=True),
        required=False,
        empty_label="Blank document",
        help_text="Pre-approved templates fill their placeholders from the key facts.",
    )
    title = forms.CharField(max_length=200, required=False, help_text="Defaults to the template's.")
    california = forms.BooleanField(
        required=False, label="California 'Notice of Data Breach' format"
    )
    eu_regulator = forms.BooleanField(required=False, label="GDPR Art. 33 regulator notice")

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None:
            self.fields["template"].label_from_instance = lambda t: (
                f"{t.get_kind_display()}: {t.title}"
                + (" ★" if incident.incident_type in t.incident_types else "")
            )

    def clean(self):
        data = super().clean()
        template = data.get("template")
        if template and data.get("kind") and template.kind != data["kind"]:
            self.add_error(
                "template",
                f"'{template.title}' is a {template.get_kind_display().lower()} template; "
                "choose that kind or another template.",
            )
        return data


class DocumentEditForm(BeaconForm):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace", "spellcheck": "true"}),
        max_length=MAX_BODY_CHARS,
        strip=False,
        help_text="Markdown: '# Title', '## Heading' for sections. {{ hotline }} fills a key fact.",
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(max_length=300, required=False, label="What changed (optional)")


class CommentForm(BeaconForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")


class DecisionForm(BeaconForm):
    comment = forms.CharField(
        label="Decision comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when you request changes.",
    )


class ReleaseForm(BeaconForm):
    channel = forms.ChoiceField(choices=ReleaseChannel.choices)
    note = forms.CharField(max_length=300, required=False)
    obligations = BoundedModelMultipleChoiceField(
        queryset=Obligation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Deadlines this release meets (recorded as met, with this release as proof).",
    )

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        if document is not None:
            self.fields["obligations"].queryset = Obligation.objects.filter(
                incident=document.incident,
                status__in=[ObligationStatus.OPEN, ObligationStatus.IN_PROGRESS],
            )


class FactsSheetForm(BeaconForm):
    """One field per key fact; an empty value means "not set" (documents show it missing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for fact in KEY_FACTS:
            widget = forms.Textarea(attrs={"rows": 3}) if fact.paragraph else forms.TextInput()
            self.fields[fact.key] = forms.CharField(
                label=fact.label,
                required=False,
                widget=widget,
                help_text=f"{fact.help} e.g. {fact.example}",
            )
