"""Office pages (settings, members, tokens, audit log)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
