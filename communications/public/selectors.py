"""What the public page shows: released versions of public kinds only, and the approved hotline.

Text always comes from a Release row's version (the frozen released text), never from a
document's current version, so a draft, an edit after release or a version under review cannot
appear. Non-public kinds (letters, briefings, scripts) never appear.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.http import Http404

from incidents.models import Hospital

from ..documents.kinds import KIND_SPECS, DocumentKind
from ..documents.markup import body_to_html
from ..models import KeyFactsSheet, PublicPage, Release

PUBLIC_KINDS = tuple(kind for kind, spec in KIND_SPECS.items() if spec.public)


@dataclass(frozen=True)
class PublicEntry:
    document_id: int
    kind_label: str
    released_at: datetime
    html: str


@dataclass(frozen=True)
class PublicContent:
    hospital_name: str
    statements: tuple[PublicEntry, ...]
    faq: tuple[PublicEntry, ...]
    hotline: str
    last_updated: datetime | None


def live_page(pk: int) -> PublicPage:
    """Return the published page with this id, or raise 404 (unpublished pages do not exist)."""
    page = (
        PublicPage.objects.select_related("incident")
        .filter(pk=pk, published_at__isnull=False, unpublished_at__isnull=True)
        .first()
    )
    if page is None:
        raise Http404("No such page.")
    return page


def content_version(page: PublicPage) -> str:
    """Return a token that changes whenever the page's content may have changed."""
    last_release = Release.objects.filter(
        document__incident_id=page.incident_id, document__kind__in=PUBLIC_KINDS
    ).aggregate(last=Max("pk"))["last"]
    revision = (
        KeyFactsSheet.objects.filter(incident_id=page.incident_id)
        .values_list("revision", flat=True)
        .first()
    )
    return f"{page.pk}:{page.published_at.timestamp()}:{last_release or 0}:{revision or 0}"


def _latest_per_document(releases) -> list[Release]:
    seen, latest = set(), []
    for release in releases:
        if release.document_id not in seen:
            seen.add(release.document_id)
            latest.append(release)
    return latest


def _entry(release: Release) -> PublicEntry:
    return PublicEntry(
        document_id=release.document_id,
        kind_label=DocumentKind(release.document.kind).label,
        released_at=release.released_at,
        html=body_to_html(release.version.rendered),
    )


def public_content(page: PublicPage) -> PublicContent:
    """Return what the public page shows: each public document's latest released version."""
    releases = _latest_per_document(
        Release.objects.filter(
            document__incident_id=page.incident_id, document__kind__in=PUBLIC_KINDS
        )
        .select_related("document", "version")
        .order_by("-released_at", "-pk")
    )
    statements = tuple(_entry(r) for r in releases if r.document.kind != DocumentKind.FAQ)
    faq = tuple(_entry(r) for r in releases if r.document.kind == DocumentKind.FAQ)
    facts = (
        KeyFactsSheet.objects.filter(incident_id=page.incident_id)
        .values_list("values", flat=True)
        .first()
        or {}
    )
    return PublicContent(
        hospital_name=facts.get("hospital_name") or Hospital.current().name,
        statements=statements,
        faq=faq,
        hotline=facts.get("hotline", ""),
        last_updated=max((r.released_at for r in releases), default=None),
    )
