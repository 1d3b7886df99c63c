"""The email-preferences form: one checkbox per reminder kind."""

from django import forms

from ..models import ReminderKind


class EmailPreferencesForm(forms.Form):
    """Email on or off per kind of reminder; escalations are always emailed."""

    def __init__(self, *args, initial_by_kind: dict[str, bool] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in ReminderKind.choices:
            self.fields[f"email_{kind}"] = forms.BooleanField(
                label=label,
                required=False,
                initial=(initial_by_kind or {}).get(kind, True),
            )

    def email_by_kind(self) -> dict[str, bool]:
        return {kind: self.cleaned_data[f"email_{kind}"] for kind in ReminderKind.values}
