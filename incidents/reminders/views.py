"""The notification centre: the bell, the list, mark read, email preferences, sweep status."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import Notification
from ..web import call_service
from . import services
from .delivery import sweep_status
from .forms import EmailPreferencesForm


@require_GET
@never_cache
def bell(request):
    """Return the bell with the unread count (htmx polls it every 30 seconds)."""
    unread = request.user.notifications.unread_count()
    return render(request, "notifications/bell.html", {"unread": unread})


@require_GET
def notification_list(request):
    notifications = request.user.notifications.select_related("incident")
    if request.GET.get("show") == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "show": request.GET.get("show", ""),
            "unread": request.user.notifications.unread_count(),
            "status": sweep_status(),
        },
    )


@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    if request.htmx:
        notification.refresh_from_db()
        response = render(request, "notifications/_item.html", {"item": notification})
        response["HX-Trigger"] = "beacon:notifications-changed"
        return response
    return redirect("notifications:list")


@require_POST
def mark_all_read(request):
    call_service(
        request,
        lambda: services.notifications_mark_all_read(user=request.user),
        success=lambda count: f"Marked {count} notification{'s' if count != 1 else ''} read.",
    )
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def preferences(request):
    initial = services.email_preferences(request.user)
    form = EmailPreferencesForm(request.POST or None, initial_by_kind=initial)
    if request.method == "POST" and call_service(
        request,
        lambda _data: services.notification_preferences_set(
            user=request.user, email_by_kind=form.email_by_kind()
        ),
        form=form,
        success="Email preferences saved.",
    ):
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@require_GET
@never_cache
def status(request):
    """Return when the reminder system last ran (a fragment for the dashboard)."""
    return render(request, "notifications/sweep_status.html", {"status": sweep_status()})
