"""Counsel's reviews of the rules, each bound to the hash of the rule version it read."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .profile import AppendOnly


class RuleReview(AppendOnly):
    """Counsel marked a rule version reviewed (incidents.rulebook.reviews.rule_review_record).

    The review binds to `rule_hash`, the SHA-256 of the rule version's data (docs/CLOCKS.md §5):
    a rule counts as reviewed only while its current hash equals a review's, so an edited rule
    file falls back to needs_review by itself. Reviews are never edited; a new one supersedes.
    """

    rule_id = models.CharField(max_length=80)
    version = models.PositiveIntegerField()
    rule_hash = models.CharField(max_length=64)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_name = models.CharField(
        max_length=200, help_text="Kept as text: reviews outlive accounts."
    )
    reviewed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(help_text="What counsel concluded, and any answer to the questions.")
    statute_excerpt = models.TextField(blank=True, help_text="The statute's own words relied on.")
    source_link = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        indexes = [
            models.Index(fields=["rule_id", "version"]),
            models.Index(fields=["rule_hash"]),
        ]

    def __str__(self):
        return f"{self.rule_id} v{self.version} reviewed by {self.reviewer_name}"


__all__ = ["RuleReview"]
