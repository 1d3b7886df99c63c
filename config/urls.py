from django.contrib import admin
from django.urls import include, path

from incidents.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("incidents.urls")),
    path("", include("communications.urls")),
    path("", include("incidents.reminders.urls")),
    path("", include("communications.pdf.urls")),
    path("", include("communications.mailmerge.urls")),
    path("", include("communications.stakeholders.urls")),
    path("", include("communications.media.urls")),
    path("", include("communications.public.urls")),
    path("", include("dashboard.urls")),
]
