"""Publish and unpublish an incident's public page; the 90-day substitute-notice posting."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.twofactor import require_two_factor
from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Incident

from ..documents.services import facts_sheet_for
from ..models import PublicPage
from .permissions import can_publish_public_page

DEFAULT_TITLE = "Cybersecurity incident"


def _local(moment: datetime, incident: Incident) -> str:
    local = timezone.localtime(moment, incident.tz)
    return f"{local:%B} {local.day}, {local.year}"


def default_title(incident: Incident) -> str:
    """Return the public headline: the approved `incident_name` fact, never the internal title."""
    return facts_sheet_for(incident).values.get("incident_name") or DEFAULT_TITLE


def public_page_keepalive_until(incident: Incident) -> datetime | None:
    """Return when the live page's 90-day substitute-notice posting ends (None when not live)."""
    page = PublicPage.objects.filter(incident=incident).first()
    return page.keepalive_until if page else None


@transaction.atomic
def public_page_publish(*, actor, incident: Incident, title: str = "") -> PublicPage:
    """Put the incident's public page online (no login needed to read it from now on)."""
    require_two_factor(actor, "publish the public incident page")
    incident = lock_incident(incident)
    if not can_publish_public_page(actor, incident):
        raise PermissionDenied("Only the Incident Commander can publish the public page.")
    title = title.strip() or default_title(incident)
    slug = slugify(title)[:80].strip("-") or "notice"
    page = PublicPage.objects.select_for_update().filter(incident=incident).first()
    if page is not None and page.is_live:
        if page.title == title:
            return page
        raise ValidationError({"title": "The page is live; unpublish it to change its headline."})
    if page is None:
        page = PublicPage(incident=incident)
    page.title, page.slug = title, slug
    page.published_at, page.published_by = timezone.now(), actor
    page.unpublished_at = page.unpublished_by = None
    page.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="public.published",
        summary=f"Public page published; substitute-notice posting runs to "
        f"{_local(page.keepalive_until, incident)}",
        after={
            "page": page.pk,
            "slug": page.slug,
            "published_at": page.published_at,
            "keepalive_until": page.keepalive_until,
        },
    )
    return page


@transaction.atomic
def public_page_unpublish(*, actor, incident: Incident, reason: str) -> PublicPage:
    """Take the page offline; before 90 days that cuts the substitute-notice posting short."""
    incident = lock_incident(incident)
    if not can_publish_public_page(actor, incident):
        raise PermissionDenied("Only the Incident Commander can unpublish the public page.")
    page = PublicPage.objects.select_for_update().filter(incident=incident).first()
    if page is None or not page.is_live:
        raise ValidationError("The public page is not published.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the page is coming down."})
    keepalive = page.keepalive_until
    early = timezone.now() < keepalive
    page.unpublished_at, page.unpublished_by = timezone.now(), actor
    page.save(update_fields=["unpublished_at", "unpublished_by"])
    log_activity(
        incident=incident,
        actor=actor,
        action="public.unpublished",
        summary="Public page unpublished"
        + (
            f" before its 90-day substitute-notice posting ended ({_local(keepalive, incident)})"
            if early
            else ""
        )
        + f": {reason.strip()}",
        after={"page": page.pk, "early": early, "reason": reason.strip()},
    )
    return page
