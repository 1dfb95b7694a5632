from django.urls import path

from . import rule_views, views

app_name = "feedback"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("<int:pk>/tag/", views.row_tag, name="row_tag"),
    path("<int:pk>/untag/<int:tag_pk>/", views.row_untag, name="row_untag"),
    path("<int:pk>/status/", views.row_status, name="row_status"),
    path("<int:pk>/highlight/", views.row_highlight, name="row_highlight"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("suggestions/<int:pk>/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("suggestions/<int:pk>/decline/", views.suggestion_decline, name="suggestion_decline"),
    path("tags/", views.tags, name="tags"),
    path("tags/<int:pk>/", views.tag_edit, name="tag_edit"),
    path("tags/<int:pk>/merge/", views.tag_merge, name="tag_merge"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("rules/", rule_views.rules, name="rules"),
    path("rules/new/", rule_views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", rule_views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", rule_views.rule_toggle, name="rule_toggle"),
    path("rules/preview/", rule_views.rule_preview, name="rule_preview"),
]
