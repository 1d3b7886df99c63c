"""URLs for bench_dashboard.py: Beacon's own, plus an empty logged-in page to compare against."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.http import require_GET

# Compiled once, like a template the cached loader has seen: base.html with no content.
EMPTY_PAGE = engines["django"].from_string('{% extends "base.html" %}')


@require_GET
def empty_page(request):
    """Render base.html with no content: the floor of every page behind login."""
    return HttpResponse(EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/empty/", empty_page, name="bench_empty"),
    path("", include("config.urls")),
]
