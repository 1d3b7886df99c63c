from django import forms
from django.contrib import admin

from incidents.admin import ReadOnlyAdmin

from .documents.templating import validate_template
from .models import Document, DocumentTemplate, Release


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = [
            "slug",
            "title",
            "kind",
            "incident_types",
            "language",
            "california",
            "description",
            "body",
            "source",
            "pre_approved",
            "active",
        ]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if errors := validate_template(body):
            raise forms.ValidationError(errors)
        return body


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    """Hospitals write their own pre-approved templates here; placeholders are checked."""

    form = DocumentTemplateForm
    list_display = ("title", "kind", "language", "source", "pre_approved", "active")
    list_filter = ("kind", "source", "active")
    search_fields = ("title", "body")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "status", "incident")
    list_filter = ("status", "kind")


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("document", "version", "channel", "released_at")
