"""The public page and its feed (no login, cached), and the commander's publish controls."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET, require_POST

from incidents.models import Obligation
from incidents.views import incident_page
from incidents.web import call_service

from ..models import PublicPage
from . import forms, selectors, services
from .permissions import can_publish_public_page

BROWSER_CACHE_SECONDS = 60
# Entries are keyed by the content version, so a change is seen at once; this only bounds memory.
SERVER_CACHE_SECONDS = 600


def public_page_url(page: PublicPage) -> str:
    return reverse("public:page", args=[page.pk, page.slug])


def _absolute(path: str) -> str:
    return settings.BEACON_PUBLIC_URL.rstrip("/") + path


def _cached(page: PublicPage, what: str, build) -> str:
    key = f"beacon:public:{what}:{selectors.content_version(page)}"
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, SERVER_CACHE_SECONDS)
    return body


def _public_response(body: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    patch_cache_control(response, public=True, max_age=BROWSER_CACHE_SECONDS)
    return response


def _page_context(page: PublicPage) -> dict:
    return {
        "page": page,
        "content": selectors.public_content(page),
        "tz": page.incident.tz,
        "feed_url": reverse("public:feed", args=[page.pk, page.slug]),
    }


@require_GET
@login_not_required
def page(request, pk, slug):
    """The public incident page: released public statements newest first, hotline, FAQ."""
    public_page = selectors.live_page(pk)
    if slug != public_page.slug:
        return redirect(public_page_url(public_page))

    def build():
        with timezone.override(public_page.incident.tz):
            return render_to_string("public/page.html", _page_context(public_page))

    return _public_response(_cached(public_page, "html", build), "text/html; charset=utf-8")


@require_GET
@login_not_required
def feed(request, pk, slug):
    """The page's statements and FAQ as an Atom feed."""
    public_page = selectors.live_page(pk)
    if slug != public_page.slug:
        return redirect("public:feed", public_page.pk, public_page.slug)

    def build():
        content = selectors.public_content(public_page)
        link = _absolute(public_page_url(public_page))
        atom = Atom1Feed(
            title=f"{content.hospital_name}: {public_page.title}",
            link=link,
            description=f"Updates from {content.hospital_name}",
            feed_url=_absolute(reverse("public:feed", args=[public_page.pk, public_page.slug])),
            feed_guid=link,
            language="en",
        )
        for entry in (*content.statements, *content.faq):
            atom.add_item(
                title=entry.kind_label,
                link=f"{link}#document-{entry.document_id}",
                unique_id=f"{link}#document-{entry.document_id}",
                description=entry.html,
                pubdate=entry.released_at,
                updateddate=entry.released_at,
            )
        return atom.writeString("utf-8")

    return _public_response(
        _cached(public_page, "atom", build), "application/atom+xml; charset=utf-8"
    )


# The commander's controls --------------------------------------------------------------------


def _render_manage(request, incident, extra=None, status=200):
    public_page = PublicPage.objects.filter(incident=incident).first()
    context = {
        "incident": incident,
        "page": public_page,
        "public_url": _absolute(public_page_url(public_page)) if public_page else "",
        "can_publish": can_publish_public_page(request.user, incident),
        "publish_form": forms.PublishForm(initial={"title": services.default_title(incident)}),
        "unpublish_form": forms.UnpublishForm(),
        "substitute": Obligation.objects.filter(
            incident=incident, rule_id="hipaa.substitute"
        ).first(),
        "preview": selectors.public_content(public_page or PublicPage(incident=incident)),
    }
    context.update(extra or {})
    return render(request, "public/manage.html", context, status=status)


@require_GET
@incident_page
def manage(request, incident):
    return _render_manage(request, incident)


def _action(request, incident, form, form_name, call, success):
    """Validate, authorise (403 to all but the commander), call the service, report it."""
    if form.is_valid() and not can_publish_public_page(request.user, incident):
        raise PermissionDenied("Only the Incident Commander can publish or unpublish the page.")
    if call_service(request, call, form=form, success=success):
        return redirect("public:manage", incident.pk)
    messages.error(request, "Nothing was changed: please correct the errors below.")
    return _render_manage(request, incident, {form_name: form}, status=400)


@require_POST
@incident_page
def publish(request, incident):
    return _action(
        request,
        incident,
        forms.PublishForm(request.POST),
        "publish_form",
        lambda d: services.public_page_publish(actor=request.user, incident=incident, **d),
        "The public page is live.",
    )


@require_POST
@incident_page
def unpublish(request, incident):
    return _action(
        request,
        incident,
        forms.UnpublishForm(request.POST),
        "unpublish_form",
        lambda d: services.public_page_unpublish(actor=request.user, incident=incident, **d),
        "The public page is offline.",
    )
