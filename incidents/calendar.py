"""The per-user iCalendar feed of deadlines (built with the icalendar package)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from .models import ObligationStatus
from .selectors import visible_obligations


def calendar_feed_ics(user, *, base_url: str) -> bytes:
    """Return an iCalendar document of the open deadlines the user may see."""
    calendar = Calendar()
    calendar.add("prodid", "-//Beacon//Notification deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Beacon deadlines")
    obligations = visible_obligations(user).filter(
        status__in=[ObligationStatus.OPEN, ObligationStatus.IN_PROGRESS], due_at__isnull=False
    )
    stamp = timezone.now()
    for obligation in obligations:
        event = Event()
        event.add("uid", f"obligation-{obligation.pk}@beacon")
        event.add("dtstamp", stamp)
        event.add("summary", f"Due: {obligation.recipient} ({obligation.rule_id})")
        event.add("dtstart", obligation.due_at - timedelta(minutes=30))
        event.add("dtend", obligation.due_at)
        url = base_url.rstrip("/") + reverse("incidents:obligations", args=[obligation.incident_id])
        event.add("url", url)
        event.add(
            "description",
            f"{obligation.incident.title}\n{obligation.citation}\n{obligation.basis}\n{url}",
        )
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Deadline in 1 day: {obligation.rule_id}")
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
