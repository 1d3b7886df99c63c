"""The `communications:` URL namespace (config/urls.py includes it): the documents pages."""

from .documents.urls import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
