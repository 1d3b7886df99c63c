from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from . import twofactor
from .models import User


@admin.register(User)
class BeaconUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Beacon", {"fields": ("job_title", "phone")}))
    list_display = ("username", "email", "first_name", "last_name", "job_title", "is_staff")
    actions = ["reset_two_factor"]

    @admin.action(
        description="Reset two-factor (lost phone): remove the authenticator, issue recovery codes",
        permissions=["change"],
    )
    def reset_two_factor(self, request, queryset):
        """Reset each selected user's second factor and show their new recovery codes once."""
        issued = []
        for user in queryset.order_by("username"):
            try:
                codes = twofactor.two_factor_reset(actor=request.user, user=user)
            except PermissionDenied as refusal:
                self.message_user(request, str(refusal), level="error")
                return None
            self.log_change(
                request,
                user,
                "Two-factor reset: authenticator removed, new recovery codes issued.",
            )
            issued.append((user, codes))
        return TemplateResponse(
            request,
            "admin/accounts/two_factor_reset.html",
            {
                **self.admin_site.each_context(request),
                "issued": issued,
                "title": "Two-factor reset",
            },
        )
