from django.urls import path

from . import views

app_name = "communications"
urlpatterns = [
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("drafts/", views.my_drafts, name="my_drafts"),
    path("templates/", views.template_library, name="templates"),
    path("templates/<slug:slug>/", views.template_detail, name="template"),
    path(
        "incidents/<int:incident_pk>/documents/new/", views.document_create, name="document_create"
    ),
    path("incidents/<int:incident_pk>/key-facts/", views.facts_sheet, name="facts_sheet"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/save/", views.document_save, name="document_save"),
    path("documents/<int:pk>/checklist/", views.document_checklist, name="document_checklist"),
    path("documents/<int:pk>/submit/", views.document_submit, name="document_submit"),
    path("documents/<int:pk>/decide/", views.document_decide, name="document_decide"),
    path("documents/<int:pk>/withdraw/", views.document_withdraw, name="document_withdraw"),
    path("documents/<int:pk>/comment/", views.document_comment, name="document_comment"),
    path("documents/<int:pk>/release/", views.document_release, name="document_release"),
    path("documents/<int:pk>/redline/", views.document_redline, name="document_redline"),
    path(
        "documents/<int:pk>/versions/<int:number>/", views.document_version, name="document_version"
    ),
    path(
        "documents/<int:pk>/versions/<int:number>/restore/",
        views.document_restore,
        name="document_restore",
    ),
]
