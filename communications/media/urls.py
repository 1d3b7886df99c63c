from django.urls import path

from . import views

app_name = "media"
urlpatterns = [
    path("media/", views.desk, name="desk"),
    path("incidents/<int:pk>/media/", views.incident_media, name="incident"),
    path("incidents/<int:pk>/media/inquiries/add/", views.inquiry_add, name="inquiry_add"),
    path(
        "incidents/<int:pk>/media/inquiries/<int:inquiry_pk>/",
        views.inquiry_detail,
        name="inquiry",
    ),
    path(
        "incidents/<int:pk>/media/inquiries/<int:inquiry_pk>/update/",
        views.inquiry_update,
        name="inquiry_update",
    ),
    path(
        "incidents/<int:pk>/media/inquiries/<int:inquiry_pk>/status/",
        views.inquiry_status,
        name="inquiry_status",
    ),
    path(
        "incidents/<int:pk>/media/inquiries/<int:inquiry_pk>/respond/",
        views.inquiry_respond,
        name="inquiry_respond",
    ),
    path("incidents/<int:pk>/media/coverage/add/", views.coverage_add, name="coverage_add"),
    path(
        "incidents/<int:pk>/media/coverage/<int:item_pk>/",
        views.coverage_update,
        name="coverage_update",
    ),
]
