"""The four Beacon roles, kept as Django groups, and the permissions each one holds."""

from django.db import models


class Role(models.TextChoices):
    COMMUNICATIONS = "Communications", "Communications"
    LEGAL = "Legal", "Legal"
    EXECUTIVE = "Executive", "Executive"
    INCIDENT_COMMAND = "Incident Command", "Incident Command"


# "app_label.codename" of the permissions each role's group holds. Permissions of apps that are
# not installed yet are skipped; `sync_role_permissions` runs after every migrate.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.COMMUNICATIONS: (
        "incidents.view_incident",
        "communications.add_document",
        "communications.change_document",
        "communications.release_document",
    ),
    Role.LEGAL: (
        "incidents.view_incident",
        "incidents.change_incident",
        "incidents.decide_obligation",
        "incidents.sign_risk_assessment",
        "communications.approve_document",
    ),
    Role.EXECUTIVE: (
        "incidents.view_incident",
        "communications.signoff_document",
    ),
    Role.INCIDENT_COMMAND: (
        "incidents.view_incident",
        "incidents.add_incident",
        "incidents.change_incident",
        "incidents.publish_public_page",
        "communications.add_document",
        "communications.change_document",
    ),
}

# Where each role lands after login, most specific first.
ROLE_START_PAGES: tuple[tuple[str, str], ...] = (
    (Role.LEGAL, "communications:approval_queue"),
    (Role.EXECUTIVE, "dashboard:index"),
    (Role.INCIDENT_COMMAND, "incidents:list"),
    (Role.COMMUNICATIONS, "communications:my_drafts"),
)


def sync_role_permissions(**_kwargs) -> None:
    """Create the role groups and give each exactly its listed permissions that exist."""
    from django.contrib.auth.models import Group, Permission

    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm_name in perm_names:
            app_label, codename = perm_name.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
