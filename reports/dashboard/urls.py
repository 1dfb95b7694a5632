from django.urls import path

from . import exports
from . import views as dashboard_views

app_name = "dashboard"
urlpatterns = [
    path("", dashboard_views.dashboard, name="index"),
    path("segment/", dashboard_views.segment, name="segment"),
    path("export/<slug:chart>.csv", exports.export_csv, name="export"),
]
