from django.urls import path

from . import views

app_name = "stakeholders"
urlpatterns = [
    path("stakeholders/", views.directory, name="directory"),
    path("stakeholders/groups/add/", views.group_add, name="group_add"),
    path("stakeholders/groups/<int:group_pk>/", views.group_detail, name="group"),
    path("stakeholders/groups/<int:group_pk>/contacts/add/", views.contact_add, name="contact_add"),
    path("stakeholders/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path(
        "stakeholders/contacts/<int:contact_pk>/active/",
        views.contact_active,
        name="contact_active",
    ),
    path("stakeholders/import/", views.contacts_import, name="import"),
    path("stakeholders/export.csv", views.contacts_export, name="export"),
    path(
        "stakeholders/communications-list/",
        views.communications_list,
        name="communications_list",
    ),
    path("incidents/<int:pk>/stakeholders/", views.incident_map, name="incident"),
    path(
        "incidents/<int:pk>/stakeholders/communications-list/",
        views.incident_communications_list,
        name="incident_communications_list",
    ),
    path("incidents/<int:pk>/stakeholders/add/", views.map_add, name="map_add"),
    path(
        "incidents/<int:pk>/stakeholders/<int:row_pk>/update/",
        views.map_update,
        name="map_update",
    ),
    path(
        "incidents/<int:pk>/stakeholders/<int:row_pk>/status/",
        views.map_status,
        name="map_status",
    ),
    path("incidents/<int:pk>/stakeholders/<int:row_pk>/send/", views.send, name="send"),
    path(
        "incidents/<int:pk>/stakeholders/sends/<int:send_pk>/",
        views.send_detail,
        name="send_detail",
    ),
    path(
        "incidents/<int:pk>/stakeholders/log/",
        views.notification_record,
        name="notification_record",
    ),
    path(
        "incidents/<int:pk>/stakeholders/log/<int:entry_pk>/outcome/",
        views.notification_outcome,
        name="notification_outcome",
    ),
]
