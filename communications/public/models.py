"""The public incident page (the "dark site"): off until the Incident Commander publishes it."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models import Incident

# HIPAA 164.404(d)(2): a substitute notice stays posted for at least 90 days.
SUBSTITUTE_NOTICE_MINIMUM = timedelta(days=90)


class PublicPage(models.Model):
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="public_page")
    title = models.CharField(
        max_length=200, help_text="The public headline; never the internal incident title."
    )
    slug = models.SlugField(max_length=80, help_text="Readable part of the address (with the id).")
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current posting started (the 90 days count)."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unpublished_at = models.DateTimeField(null=True, blank=True)
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unpublished_at__isnull=True)
                | models.Q(published_at__isnull=False),
                name="public_page_unpublished_only_after_published",
            )
        ]

    def __str__(self):
        return f"Public page: {self.title}"

    @property
    def is_live(self) -> bool:
        return self.published_at is not None and self.unpublished_at is None

    @property
    def keepalive_until(self):
        """Return the end of the 90-day substitute-notice posting, if the page is live."""
        return self.published_at + SUBSTITUTE_NOTICE_MINIMUM if self.is_live else None


__all__ = ["SUBSTITUTE_NOTICE_MINIMUM", "PublicPage"]
