"""Which release met which notification obligation: the link communications owns.

An obligation (incidents) is met when the notice it requires is released (here). The link lives
on this side so that incidents never refers to a release; incidents learns of it through the
obligation link communications registers (communications/incident_links.py).
"""

from django.db import models
from django.utils import timezone

from incidents.models import Obligation

from .documents import Release


class ReleaseObligationQuerySet(models.QuerySet):
    def link(self, obligation: Obligation, release: Release) -> "ReleaseObligation":
        """Record that `release` met `obligation`, replacing any release recorded before."""
        row, _ = self.update_or_create(obligation=obligation, defaults={"release": release})
        return row


class ReleaseObligation(models.Model):
    """A release that met a notification obligation (at most one per obligation)."""

    obligation = models.OneToOneField(
        Obligation, on_delete=models.CASCADE, related_name="release_link"
    )
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="obligation_links")
    linked_at = models.DateTimeField(default=timezone.now)

    objects = ReleaseObligationQuerySet.as_manager()

    def __str__(self):
        return f"{self.obligation.rule_id} met by {self.release}"


__all__ = ["ReleaseObligation"]
