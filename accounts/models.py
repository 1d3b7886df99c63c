from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import Role


class User(AbstractUser):
    """A Beacon user. Roles are groups; incident-level roles live on the incident."""

    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """Return the names of the Beacon roles this user holds."""
        names = set(self.groups.values_list("name", flat=True))
        return frozenset(name for name in names if name in Role.values)

    def has_role(self, role: str) -> bool:
        return role in self.roles
