from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class BeaconUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Beacon", {"fields": ("job_title", "phone")}))
    list_display = ("username", "email", "first_name", "last_name", "job_title", "is_staff")
