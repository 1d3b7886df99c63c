from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.twofactor import require_two_factor

from . import permissions
from .clocks import RuleError, rule_from_mapping
from .models import (
    ActivityEntry,
    AnchorEvent,
    Hospital,
    HospitalProfileChange,
    HospitalRule,
    Incident,
    Obligation,
    PlaybookTask,
    RuleReview,
)
from .profile import FACTS, hospital_values
from .profile_forms import establishment_choices, licence_choices
from .services import hospital_profile_update


class HospitalAdminForm(forms.ModelForm):
    """The hospital row; a change of its profile in law is refused without Legal's rights."""

    licensed_in = forms.MultipleChoiceField(
        choices=licence_choices, required=False, help_text=Hospital.licensed_in.field.help_text
    )
    established_in = forms.MultipleChoiceField(
        choices=establishment_choices,
        required=False,
        help_text=Hospital.established_in.field.help_text,
    )
    website = forms.URLField(required=False, assume_scheme="https")
    request = None  # set by HospitalAdmin.get_form

    class Meta:
        model = Hospital
        fields = [
            "name",
            "address",
            "logo",
            "time_zone",
            "hotline",
            "website",
            "enabled_draft_rules",
            *FACTS,
        ]

    def clean(self):
        data = super().clean()
        stored = hospital_values(self.instance) if self.instance.pk else None
        given = {fact: data.get(fact) for fact in FACTS}
        if stored is not None and any(
            given[fact] is not None and list_or_value(given[fact]) != list_or_value(value)
            for fact, value in stored.as_dict().items()
        ):
            user = getattr(self.request, "user", None)
            try:
                require_two_factor(user, "change the hospital profile")
                permissions.require(
                    permissions.can_change_hospital_profile(user),
                    "Only Legal can change the hospital profile.",
                )
            except PermissionDenied as error:
                raise ValidationError(str(error)) from None
        return data


def list_or_value(value):
    return sorted(value) if isinstance(value, list | tuple) else value


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    """Letterhead and defaults as usual; a profile change goes through hospital_profile_update
    (Legal with a second factor, audited, open incidents recomputed), as on the profile page."""

    form = HospitalAdminForm
    list_display = ("name", "time_zone", "hotline", "hipaa_covered_entity", "sec_registrant")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Hospital.objects.exists()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        stored = Hospital.objects.get(pk=obj.pk)
        for fact in FACTS:  # the service writes these, with its audit entry
            setattr(obj, fact, getattr(stored, fact))
        super().save_model(request, obj, form, change)
        hospital_profile_update(actor=request.user, **{f: form.cleaned_data[f] for f in FACTS})


class HospitalRuleForm(admin.ModelAdmin.form):
    def clean(self):
        data = super().clean()
        rule = HospitalRule(**{k: v for k, v in data.items() if k != "id"})
        try:
            rule_from_mapping(rule.as_mapping(), "hospital rule")
        except RuleError as exc:
            raise ValidationError(str(exc)) from None
        return data


@admin.register(HospitalRule)
class HospitalRuleAdmin(admin.ModelAdmin):
    form = HospitalRuleForm
    list_display = ("rule_id", "recipient", "anchor", "amount", "unit", "active")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the app's services so that each lands in the activity log."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("title", "incident_type", "severity", "status", "restricted", "opened_at")
    list_filter = ("status", "severity", "incident_type", "restricted")
    search_fields = ("title",)


@admin.register(ActivityEntry)
class ActivityEntryAdmin(ReadOnlyAdmin):
    list_display = ("incident", "seq", "at", "actor_name", "action", "summary")
    list_filter = ("action",)


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ("incident", "rule_id", "due_at", "clock_state", "kind", "status")
    list_filter = ("status", "clock_state", "kind", "needs_review")


@admin.register(RuleReview)
class RuleReviewAdmin(ReadOnlyAdmin):
    """Counsel records reviews on the Rules page (Legal, second factor); never edited here."""

    list_display = ("rule_id", "version", "reviewer_name", "reviewed_at", "rule_hash")
    search_fields = ("rule_id",)


@admin.register(HospitalProfileChange)
class HospitalProfileChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "summary", "incidents_recomputed")


for model in (AnchorEvent, PlaybookTask):
    admin.site.register(model, ReadOnlyAdmin)
