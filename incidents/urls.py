from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
