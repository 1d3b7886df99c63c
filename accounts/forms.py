"""Account forms: codes from an authenticator app, and recovery codes for a lost phone."""

import re

from crispy_forms.helper import FormHelper
from django import forms

from .twofactor import normalise_code

RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


class _CodeFormBase(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class TokenForm(_CodeFormBase):
    """The six digits of a new authenticator app, to confirm it."""

    token = forms.CharField(
        label="Six-digit code",
        max_length=8,
        min_length=6,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="From your authenticator app (Google Authenticator, Microsoft Authenticator…).",
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("Enter the digits your authenticator app shows.")
        return token


def _clean_code(value: str) -> str:
    code = normalise_code(value)
    if (code.isdigit() and 6 <= len(code) <= 8) or RECOVERY_CODE.fullmatch(code):
        return code
    raise forms.ValidationError(
        "Enter the six digits your authenticator app shows, or one of your recovery codes."
    )


class CodeForm(_CodeFormBase):
    """The code step after the password: a code from the app, or a recovery code."""

    token = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
    )

    def clean_token(self):
        return _clean_code(self.cleaned_data["token"])


class EnrolForm(TokenForm):
    """A new authenticator's code; replacing one also needs a code from the current one."""

    current_code = forms.CharField(
        label="Current code",
        max_length=20,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        help_text="From the authenticator you are replacing, or one of your recovery codes.",
    )

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not replacing:
            del self.fields["current_code"]

    def clean_current_code(self):
        value = self.cleaned_data["current_code"]
        return _clean_code(value) if value else ""


class CurrentCodeForm(_CodeFormBase):
    """A code from the current authenticator (or a recovery code) before a sensitive change."""

    current_code = forms.CharField(
        label="Current code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        help_text="From your authenticator app, or one of your recovery codes.",
        error_messages={
            "required": "Enter a current code from your authenticator app or a recovery code."
        },
    )

    def clean_current_code(self):
        return _clean_code(self.cleaned_data["current_code"])
