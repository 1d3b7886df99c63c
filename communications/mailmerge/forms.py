"""Forms of the letters pages: upload, variant choice, run options, mailing date."""

from django import forms

from communications.documents.kinds import DocumentKind
from communications.mailmerge.engine import DEFAULT_LETTERS_PER_FILE
from communications.mailmerge.recipients_csv import MAX_ROWS
from communications.models import Document
from incidents.forms import BoundedModelChoiceField

from .services import MAX_UPLOAD_BYTES


class RecipientUploadForm(forms.Form):
    file = forms.FileField(
        label="Recipient CSV",
        help_text=f"UTF-8 CSV, at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB and {MAX_ROWS:,} "
        "rows. Nothing is imported until you confirm a clean preview.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.0f} MB; the limit is "
                f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Split it into several lists."
            )
        if not upload.size:
            raise forms.ValidationError("The file is empty.")
        return upload


class VariantDocumentForm(forms.Form):
    document = BoundedModelChoiceField(queryset=Document.objects.none(), label="Letter")

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.filter(
            incident=incident, kind=DocumentKind.PATIENT_LETTER
        ).order_by("title")


class RunStartForm(forms.Form):
    chunk_size = forms.IntegerField(
        label="Letters per file",
        min_value=1,
        max_value=DEFAULT_LETTERS_PER_FILE,
        initial=DEFAULT_LETTERS_PER_FILE,
    )
    email_pdfs = forms.BooleanField(
        label="Also make one PDF per recipient who agreed to email notice", required=False
    )


class MailedForm(forms.Form):
    mailed_on = forms.DateField(label="Mailed on", widget=forms.DateInput(attrs={"type": "date"}))
