from django.contrib import admin
from django.core.exceptions import ValidationError

from .clocks import RuleError, rule_from_mapping
from .models import (
    ActivityEntry,
    AnchorEvent,
    Hospital,
    HospitalRule,
    Incident,
    Obligation,
    PlaybookTask,
)


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "hotline")


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
    list_display = ("incident", "rule_id", "due_at", "status")
    list_filter = ("status",)


for model in (AnchorEvent, PlaybookTask):
    admin.site.register(model, ReadOnlyAdmin)
