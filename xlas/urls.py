from django.urls import path

from . import views

app_name = "xlas"
urlpatterns = [
    path("", views.xla_list, name="xla_list"),
    path("new/", views.xla_create, name="xla_create"),
    path("review/", views.review_list, name="review_list"),
    path("<int:pk>/", views.xla_detail, name="xla_detail"),
    path("<int:pk>/propose/", views.xla_propose_change, name="xla_propose_change"),
    path("<int:pk>/new-draft/", views.xla_new_draft, name="xla_new_draft"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/propose/", views.version_propose, name="version_propose"),
    path("versions/<int:pk>/discard/", views.version_discard, name="version_discard"),
    path("versions/<int:pk>/approve/", views.version_approve, name="version_approve"),
    path("versions/<int:pk>/reject/", views.version_reject, name="version_reject"),
    path("breaches/", views.breach_list, name="breach_list"),
    path("breaches/<int:pk>/", views.breach_detail, name="breach_detail"),
    path("breaches/<int:pk>/acknowledge/", views.breach_acknowledge, name="breach_acknowledge"),
    path(
        "breaches/<int:pk>/investigation/",
        views.breach_investigation,
        name="breach_investigation",
    ),
    path("breaches/<int:pk>/status/", views.breach_status, name="breach_status"),
    path("breaches/<int:pk>/actions/", views.breach_action_create, name="breach_action_create"),
]
