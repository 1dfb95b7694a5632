"""Office pages: organisation settings, members, API tokens, audit log, jobs."""

from django.urls import path

from . import office_views as views

urlpatterns = [
    path("settings/", views.organisation_settings, name="settings_organisation"),
    path("settings/members/", views.members, name="settings_members"),
    path("settings/members/<int:pk>/role/", views.member_role, name="settings_member_role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="settings_member_remove"),
    path("settings/tokens/", views.tokens, name="settings_tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="settings_token_revoke"),
    path("settings/audit/", views.audit_log, name="settings_audit"),
    path("settings/jobs/", views.job_runs, name="settings_jobs"),
    path("settings/jobs/run/", views.jobs_run_all, name="settings_jobs_run"),
]
