from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")


class BeaconAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the site that asks for the second factor."""

    default = False
    default_site = "accounts.admin_site.BeaconAdminSite"
