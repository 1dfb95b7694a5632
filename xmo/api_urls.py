"""API v1: each app contributes its routes from <app>/api/urls.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("xmo.api.urls")),
    path("", include("experience.api.urls")),
    path("", include("xlas.api.urls")),
    path("", include("feedback.api.urls")),
    path("", include("changes.api.urls")),
    path("", include("reports.api.urls")),
]
