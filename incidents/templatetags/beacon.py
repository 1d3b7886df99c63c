"""Template helpers for deadlines: time left in words and an urgency class."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


def _parts(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


@register.filter
def time_left(due: datetime | None) -> str:
    """Return "3d 4h 10m left" or "overdue by 2h 5m" (the browser keeps it ticking)."""
    if due is None:
        return "no fixed time"
    seconds = (due - timezone.now()).total_seconds()
    return f"{_parts(seconds)} left" if seconds >= 0 else f"overdue by {_parts(seconds)}"


@register.filter
def urgency(due: datetime | None) -> str:
    """Return a CSS class for how close a deadline is."""
    if due is None:
        return ""
    seconds = (due - timezone.now()).total_seconds()
    if seconds < 0:
        return "countdown-overdue"
    if seconds < 24 * 3600:
        return "countdown-urgent"
    return ""
