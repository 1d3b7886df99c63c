from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """Report database, broker and beat heartbeat as JSON: 200 when all are well, else 503."""
    database = health.database_health()
    broker = health.broker_health()
    beat, age = health.heartbeat_health()
    body = {
        "database": {"ok": database.ok, "detail": database.detail},
        "broker": {"ok": broker.ok, "detail": broker.detail},
        "heartbeat": {
            "ok": beat.ok,
            "detail": beat.detail,
            "age_seconds": None if age is None else round(age, 1),
        },
    }
    body["ok"] = database.ok and broker.ok and beat.ok
    return JsonResponse(body, status=200 if body["ok"] else 503)


def incident_list(request):
    return render(request, "incidents/incident_list.html")


def dashboard(request):
    return render(request, "incidents/dashboard.html")
