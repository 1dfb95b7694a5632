from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", include("reports.home_urls")),
    path("login/", views.XmoLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("switch/", views.switch_organisation, name="switch_organisation"),
    path("", include("xmo.sso.urls")),
    path("", include("xmo.office_urls")),
    path("", include("experience.catalogue.urls")),
    path("", include("xmo.webhooks.urls")),
    path("notifications/", include("xmo.notification_urls")),
    path("feedback/", include("feedback.urls")),
    path("experience/", include("experience.urls")),
    path("xlas/", include("xlas.urls")),
    path("office/", include("office.urls")),
    path("changes/", include("changes.urls")),
    path("", include("meetings.urls")),
    path("reports/", include("reports.urls")),
    path("dashboard/", include("reports.dashboard.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("xmo.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler403 = "xmo.views.permission_denied"
handler404 = "xmo.views.page_not_found"
handler500 = "xmo.views.server_error"
