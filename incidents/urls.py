from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path("incidents/new/", views.incident_open, name="open"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("incidents/<int:pk>/deadlines/", views.incident_obligations, name="obligations"),
    path("incidents/<int:pk>/documents/", views.incident_documents, name="documents"),
    path("incidents/<int:pk>/timeline/", views.incident_timeline, name="timeline"),
    path("incidents/<int:pk>/facts/", views.incident_facts, name="facts"),
    path("incidents/<int:pk>/events/", views.incident_events, name="events"),
    path("incidents/<int:pk>/roles/", views.incident_roles, name="roles"),
    path("incidents/<int:pk>/tasks/", views.incident_tasks, name="tasks"),
    path("incidents/<int:pk>/systems/", views.incident_systems, name="systems"),
    path("incidents/<int:pk>/risk/", views.incident_risk, name="risk"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="edit"),
    path("incidents/<int:pk>/status/", views.incident_status, name="status"),
    path("incidents/<int:pk>/events/record/", views.event_record, name="event_record"),
    path("incidents/<int:pk>/facts/update/", views.facts_update, name="facts_update"),
    path("incidents/<int:pk>/facts/regions/", views.regions_update, name="regions_update"),
    path("incidents/<int:pk>/facts/regions/import/", views.regions_import, name="regions_import"),
    path("incidents/<int:pk>/holds/", views.hold_record, name="hold_record"),
    path("incidents/<int:pk>/holds/<int:hold_pk>/end/", views.hold_end, name="hold_end"),
    path("incidents/<int:pk>/risk/save/", views.risk_save, name="risk_save"),
    path("incidents/<int:pk>/risk/sign/", views.risk_sign, name="risk_sign"),
    path("incidents/<int:pk>/roles/assign/", views.role_assign, name="role_assign"),
    path("incidents/<int:pk>/members/add/", views.member_add, name="member_add"),
    path(
        "incidents/<int:pk>/members/<int:user_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("incidents/<int:pk>/restriction/", views.restriction_set, name="restriction"),
    path("incidents/<int:pk>/systems/update/", views.system_status, name="system_status"),
    path("incidents/<int:pk>/tasks/<int:task_pk>/done/", views.task_done, name="task_done"),
    path("incidents/<int:pk>/tasks/<int:task_pk>/assign/", views.task_assign, name="task_assign"),
    path(
        "incidents/<int:pk>/deadlines/<int:obligation_pk>/decide/",
        views.obligation_decide,
        name="obligation_decide",
    ),
    path(
        "incidents/<int:pk>/deadlines/<int:obligation_pk>/reopen/",
        views.obligation_reopen,
        name="obligation_reopen",
    ),
    path(
        "incidents/<int:pk>/deadlines/<int:obligation_pk>/assign/",
        views.obligation_assign,
        name="obligation_assign",
    ),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("deadlines/calendar-token/", views.calendar_token, name="calendar_token"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
