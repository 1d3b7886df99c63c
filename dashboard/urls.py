from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.dashboard_page, name="index"),
    path("dashboard/brief.pdf", views.dashboard_brief, name="brief"),
    path("dashboard/sections/<slug:section>/", views.dashboard_section, name="section"),
]
