from django.urls import path

from .views import breaches, versions, xla

# A breach's actions (breaches/<pk>/actions/) are meetings' pages: meetings/urls.py mounts
# them under this prefix.
app_name = "xlas"
urlpatterns = [
    path("", xla.xla_list, name="xla_list"),
    path("new/", xla.xla_create, name="xla_create"),
    path("review/", xla.review_list, name="review_list"),
    path("<int:pk>/", xla.xla_detail, name="xla_detail"),
    path("<int:pk>/propose/", versions.xla_propose_change, name="xla_propose_change"),
    path("<int:pk>/new-draft/", versions.xla_new_draft, name="xla_new_draft"),
    path("versions/<int:pk>/", versions.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", versions.version_edit, name="version_edit"),
    path("versions/<int:pk>/propose/", versions.version_propose, name="version_propose"),
    path("versions/<int:pk>/discard/", versions.version_discard, name="version_discard"),
    path("versions/<int:pk>/approve/", versions.version_approve, name="version_approve"),
    path("versions/<int:pk>/reject/", versions.version_reject, name="version_reject"),
    path("breaches/", breaches.breach_list, name="breach_list"),
    path("breaches/<int:pk>/", breaches.breach_detail, name="breach_detail"),
    path("breaches/<int:pk>/acknowledge/", breaches.breach_acknowledge, name="breach_acknowledge"),
    path(
        "breaches/<int:pk>/investigation/",
        breaches.breach_investigation,
        name="breach_investigation",
    ),
    path("breaches/<int:pk>/status/", breaches.breach_status, name="breach_status"),
]
