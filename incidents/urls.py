from django.urls import path

from . import actions, deadline_pages, views
from .rulebook import views as rule_views
from .tabs import registered_tabs

app_name = "incidents"
urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path("incidents/new/", views.incident_open, name="open"),
    # The tabs of the incident page.
    path("incidents/<int:pk>/", views.tab_view("briefing"), name="detail"),
    path("incidents/<int:pk>/deadlines/", views.tab_view("obligations"), name="obligations"),
    path("incidents/<int:pk>/timeline/", views.tab_view("timeline"), name="timeline"),
    path("incidents/<int:pk>/facts/", views.tab_view("facts"), name="facts"),
    path("incidents/<int:pk>/events/", views.tab_view("events"), name="events"),
    path("incidents/<int:pk>/roles/", views.tab_view("roles"), name="roles"),
    path("incidents/<int:pk>/tasks/", views.tab_view("tasks"), name="tasks"),
    path("incidents/<int:pk>/systems/", views.tab_view("systems"), name="systems"),
    path("incidents/<int:pk>/risk/", views.tab_view("risk"), name="risk"),
    # Tabs other apps registered (communications: documents), in the same frame.
    *(
        path(f"incidents/<int:pk>/{tab.path}/", views.tab_view(tab.key), name=tab.key)
        for tab in registered_tabs()
    ),
    # The incident's actions (incidents/actions.py).
    path("incidents/<int:pk>/edit/", actions.view("edit"), name="edit"),
    path("incidents/<int:pk>/status/", actions.incident_status, name="status"),
    path("incidents/<int:pk>/events/record/", actions.view("event_record"), name="event_record"),
    path("incidents/<int:pk>/facts/update/", actions.view("facts_update"), name="facts_update"),
    path("incidents/<int:pk>/facts/regions/", actions.regions_update, name="regions_update"),
    path(
        "incidents/<int:pk>/facts/regions/import/",
        actions.view("regions_import"),
        name="regions_import",
    ),
    path("incidents/<int:pk>/holds/", actions.view("hold_record"), name="hold_record"),
    path("incidents/<int:pk>/holds/<int:hold_pk>/end/", actions.view("hold_end"), name="hold_end"),
    path("incidents/<int:pk>/risk/save/", actions.view("risk_save"), name="risk_save"),
    path("incidents/<int:pk>/risk/sign/", actions.view("risk_sign"), name="risk_sign"),
    path("incidents/<int:pk>/roles/assign/", actions.view("role_assign"), name="role_assign"),
    path("incidents/<int:pk>/members/add/", actions.view("member_add"), name="member_add"),
    path(
        "incidents/<int:pk>/members/<int:user_pk>/remove/",
        actions.view("member_remove"),
        name="member_remove",
    ),
    path("incidents/<int:pk>/restriction/", actions.view("restriction"), name="restriction"),
    path("incidents/<int:pk>/systems/update/", actions.view("system_status"), name="system_status"),
    path(
        "incidents/<int:pk>/tasks/<int:task_pk>/done/", actions.view("task_done"), name="task_done"
    ),
    path(
        "incidents/<int:pk>/tasks/<int:task_pk>/assign/",
        actions.view("task_assign"),
        name="task_assign",
    ),
    # Under the Deadlines tab: one obligation, and who the law binds for this incident.
    path(
        "incidents/<int:pk>/deadlines/<int:obligation_pk>/",
        deadline_pages.obligation_detail,
        name="obligation_detail",
    ),
    path(
        "incidents/<int:pk>/deadlines/profile/",
        deadline_pages.incident_profile,
        name="incident_profile",
    ),
    path(
        "incidents/<int:pk>/deadlines/profile/save/",
        deadline_pages.incident_profile_save,
        name="incident_profile_save",
    ),
    path(
        "incidents/<int:pk>/deadlines/<int:obligation_pk>/decide/",
        actions.view("obligation_decide"),
        name="obligation_decide",
    ),
    path(
        "incidents/<int:pk>/deadlines/<int:obligation_pk>/reopen/",
        actions.view("obligation_reopen"),
        name="obligation_reopen",
    ),
    path(
        "incidents/<int:pk>/deadlines/<int:obligation_pk>/assign/",
        actions.view("obligation_assign"),
        name="obligation_assign",
    ),
    path("deadlines/", views.deadlines, name="deadlines"),
    # The rules and counsel's review of them; the hospital's profile in law.
    path("rules/", rule_views.rules, name="rules"),
    path("rules/<str:rule_id>/<int:version>/", rule_views.rule_detail, name="rule"),
    path("rules/<str:rule_id>/<int:version>/review/", rule_views.rule_review, name="rule_review"),
    path("settings/hospital-profile/", rule_views.hospital_profile, name="hospital_profile"),
    path(
        "settings/hospital-profile/save/",
        rule_views.hospital_profile_save,
        name="hospital_profile_save",
    ),
    path("deadlines/calendar-token/", views.calendar_token, name="calendar_token"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
