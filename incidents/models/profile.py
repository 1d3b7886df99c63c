"""The hospital profile's audit trail: who changed who the hospital is in law, and how."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyRecordError(RuntimeError):
    """Raised on any attempt to change or delete an audit record."""


class AppendOnly(models.Model):
    """A record that is written once: never changed, never deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyRecordError(f"{self._meta.verbose_name} records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyRecordError(f"{self._meta.verbose_name} records cannot be deleted.")


class HospitalProfileChange(AppendOnly):
    """One change of the hospital profile (incidents.profile.hospital_profile_update).

    An incident's own overrides are logged in its activity log instead; a change here also
    writes an entry in each open incident whose profile it changed.
    """

    hospital = models.ForeignKey("incidents.Hospital", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(
        max_length=200, help_text="Kept as text: audits outlive accounts."
    )
    summary = models.TextField()
    before = models.JSONField()
    after = models.JSONField()
    incidents_recomputed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "hospital profile change"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"


__all__ = ["AppendOnlyRecordError", "HospitalProfileChange"]
