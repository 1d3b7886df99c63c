from django.urls import path

from . import views

app_name = "communications"
urlpatterns = [
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("drafts/", views.my_drafts, name="my_drafts"),
]
