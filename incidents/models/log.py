"""What Beacon records of itself: the activity log, its checks, data versions, heartbeats."""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models

from .core import Incident


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an activity-log entry."""


def activity_entry_digest(prev_hash: str, content: dict) -> str:
    """Return SHA-256 over the previous entry's hash and this entry's canonical content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class ActivityEntry(models.Model):
    """One line of the HICS 214 activity log: append-only and hash-chained per incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="activity")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(
        max_length=200, help_text="Kept as text: the log outlives accounts."
    )
    action = models.CharField(max_length=60, db_index=True)
    summary = models.TextField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["incident", "seq"]
        verbose_name_plural = "activity entries"
        constraints = [
            models.UniqueConstraint(fields=["incident", "seq"], name="activity_seq_unique")
        ]
        indexes = [models.Index(fields=["incident", "-seq"]), models.Index(fields=["at"])]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Activity-log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Activity-log entries cannot be deleted.")

    def chain_content(self) -> dict:
        """Return the fields the hash covers, in a form that survives a database round trip."""
        return {
            "incident": self.incident_id,
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
        }

    def expected_hash(self) -> str:
        return activity_entry_digest(self.prev_hash, self.chain_content())


class LogVerification(models.Model):
    """The latest hash-chain check of an incident's activity log (run by Celery beat)."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="log_verification"
    )
    checked_at = models.DateTimeField()
    entries = models.PositiveIntegerField()
    intact = models.BooleanField()
    broken_seq = models.PositiveIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.incident_id}: {'intact' if self.intact else 'broken'}"


class DataVersion(models.Model):
    """How often an incident's data has changed: what the executive dashboard's cache keys on.

    Moved in the transaction of each change, so that its order is the order of the commits:
    `changes` by every activity entry (`log_activity`, under the incident lock), `progress` by
    the workers' progress that writes no entry (an email delivered or failed, a chunk of
    letters generated). See `incidents.activity.data_changed`.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="data_version"
    )
    changes = models.PositiveBigIntegerField(default=0)
    progress = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.incident_id}: {self.changes} changes, {self.progress} progress"


class Heartbeat(models.Model):
    """When a periodic process (Celery beat, the reminder sweep) last ran."""

    name = models.CharField(max_length=50, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.last_seen_at:%Y-%m-%d %H:%M:%S %Z}"


__all__ = [
    "AppendOnlyError",
    "activity_entry_digest",
    "ActivityEntry",
    "LogVerification",
    "DataVersion",
    "Heartbeat",
]
