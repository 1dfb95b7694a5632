"""The home page, at the site root; the report pages are in reports.urls under /reports/."""

from django.urls import path

from . import views

urlpatterns = [path("", views.home, name="home")]
