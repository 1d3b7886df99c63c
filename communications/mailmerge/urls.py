from django.urls import path

from . import views

app_name = "mailmerge"
urlpatterns = [
    path("incidents/<int:pk>/letters/", views.letters, name="letters"),
    path("incidents/<int:pk>/letters/upload/", views.upload, name="upload"),
    path("letters/lists/<int:batch_pk>/", views.batch_detail, name="batch"),
    path("letters/lists/<int:batch_pk>/report.csv", views.error_report, name="error_report"),
    path("letters/lists/<int:batch_pk>/confirm/", views.confirm, name="confirm"),
    path("letters/lists/<int:batch_pk>/discard/", views.discard, name="discard"),
    path("letters/lists/<int:batch_pk>/purge/", views.purge, name="purge"),
    path("letters/lists/<int:batch_pk>/run/", views.run_start, name="run_start"),
    path("letters/variants/<int:variant_pk>/", views.variant_assign, name="variant_assign"),
    path("letters/runs/<int:run_pk>/", views.run_detail, name="run"),
    path("letters/runs/<int:run_pk>/progress/", views.run_progress, name="run_progress"),
    path("letters/runs/<int:run_pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("letters/runs/<int:run_pk>/resume/", views.run_resume, name="run_resume"),
    path("letters/runs/<int:run_pk>/mailed/", views.run_mailed, name="run_mailed"),
    path("letters/runs/<int:run_pk>/files/<int:index>.pdf", views.chunk_download, name="chunk"),
    path("letters/runs/<int:run_pk>/manifest.csv", views.manifest, name="manifest"),
    path(
        "letters/runs/<int:run_pk>/email/<int:recipient_pk>.pdf",
        views.email_pdf,
        name="email_pdf",
    ),
]
