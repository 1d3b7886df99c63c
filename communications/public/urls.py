from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("notice/<int:pk>/<slug:slug>/", views.page, name="page"),
    path("notice/<int:pk>/<slug:slug>/feed.atom", views.feed, name="feed"),
    path("incidents/<int:pk>/public-page/", views.manage, name="manage"),
    path("incidents/<int:pk>/public-page/publish/", views.publish, name="publish"),
    path("incidents/<int:pk>/public-page/unpublish/", views.unpublish, name="unpublish"),
]
