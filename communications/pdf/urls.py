from django.urls import path

from . import views

app_name = "pdf"
urlpatterns = [
    path("documents/<int:pk>/signed.pdf", views.notice_download, name="notice_download"),
    path(
        "documents/<int:pk>/versions/<int:number>/signed.pdf",
        views.notice_download,
        name="notice_version_download",
    ),
    path("verify/", views.verify_upload, name="verify_upload"),
    path(
        "verify/<int:doc>/<int:ver>/<str:sha256>/",
        views.verify_reference,
        name="verify_reference",
    ),
    path("incidents/<int:pk>/binder/", views.binder_page, name="binder"),
    path("binders/<int:job_pk>/status/", views.binder_status, name="binder_status"),
    path("binders/<int:job_pk>/binder.pdf", views.binder_download, name="binder_download"),
]
