from django.db import models


class Heartbeat(models.Model):
    """When a periodic process (Celery beat, the reminder sweep) last ran."""

    name = models.CharField(max_length=50, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.last_seen_at:%Y-%m-%d %H:%M:%S %Z}"
