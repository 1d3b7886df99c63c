"""The dashboard page, its sections as htmx fragments, and the executive brief as PDF."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from communications.pdf.engine.render import render_pdf
from incidents.models import Hospital

from .scope import active_incidents
from .sections import SECTIONS, dashboard_data, render_sections


@require_GET
def dashboard_page(request):
    """The whole response at a glance; sections refresh themselves with htmx."""
    now = timezone.now()
    sections = render_sections(active_incidents(request.user), SECTIONS, now=now)
    return render(request, "dashboard/dashboard.html", {"now": now, "sections": sections})


@require_GET
def dashboard_section(request, section):
    """One dashboard section as an HTML fragment (htmx polls it every 30 seconds)."""
    if section not in SECTIONS:
        raise Http404("No such section.")
    scope = active_incidents(request.user)
    return HttpResponse(render_sections(scope, [section], now=timezone.now())[section])


@require_GET
def dashboard_brief(request):
    """A one-click executive brief (1-2 pages) as PDF for a Board meeting."""
    data = dashboard_data(request.user)
    html = render_to_string(
        "pdf/executive_brief.html",
        {**data, "hospital": Hospital.current(), "user": request.user},
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    stamp = timezone.localtime(data["now"]).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="beacon-brief-{stamp}.pdf"'
    return response
