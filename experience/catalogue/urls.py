"""Catalogue settings pages, under /settings/ beside the organisation's other settings."""

from django.urls import path

from . import views

urlpatterns = []
for kind in ("services", "personas", "metrics"):
    urlpatterns += [
        path(f"settings/{kind}/", views.catalogue_list, {"kind": kind}, name=f"settings_{kind}"),
        path(
            f"settings/{kind}/new/",
            views.catalogue_edit,
            {"kind": kind},
            name=f"settings_{kind}_new",
        ),
        path(
            f"settings/{kind}/<int:pk>/",
            views.catalogue_edit,
            {"kind": kind},
            name=f"settings_{kind}_edit",
        ),
    ]
