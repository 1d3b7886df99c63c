"""Demo users, one per role, for `manage.py seed_demo`."""

from django.contrib.auth.models import Group

from .models import User
from .roles import Role

DEMO_PASSWORD = "beacon-demo-2026"  # noqa: S105 - printed by `make run`; demo data only

DEMO_USERS = (
    # username, first, last, job title, role
    ("command", "Irene", "Alvarez", "Incident Commander (COO)", Role.INCIDENT_COMMAND),
    ("comms", "Casey", "Morgan", "Public Information Officer", Role.COMMUNICATIONS),
    ("comms2", "Sam", "Patel", "Communications Specialist", Role.COMMUNICATIONS),
    ("legal", "Leah", "Chen", "Privacy Officer and Counsel", Role.LEGAL),
    ("exec", "Evan", "Brooks", "Chief Executive Officer", Role.EXECUTIVE),
)


def seed_demo_users() -> dict[str, User]:
    """Create the demo users once (existing ones are left as they are) and return them."""
    users = {}
    for username, first, last, title, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "job_title": title,
                "email": f"{username}@demo-hospital.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "job_title": "Beacon administrator",
            "email": "admin@demo-hospital.example",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    users["admin"] = admin
    return users


def demo_logins() -> list[tuple[str, str]]:
    """Return (username, role) for every demo login, for printing."""
    return [(u, str(role)) for u, *_rest, role in DEMO_USERS] + [("admin", "Administrator")]
