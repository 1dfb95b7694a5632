from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import models


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "escalation_delay_hours", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "responsibility_kind"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "organisation"]


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "key_prefix", "scopes", "last_used_at", "revoked_at"]
    list_filter = ["organisation"]
    readonly_fields = ["key_prefix", "key_hash", "created_at", "last_used_at", "created_by"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # Tokens are created where the raw key can be shown once: settings page or create_api_token.
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        from .services import api_token_revoke

        for token in queryset:
            api_token_revoke(token=token, actor=request.user)


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "actor", "action", "object_type", "object_repr"]
    list_filter = ["organisation", "object_type"]
    search_fields = ["action", "object_repr"]
    readonly_fields = [f.name for f in models.AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient",
        "kind",
        "title",
        "read_at",
        "emailed_at",
        "email_attempts",
    ]
    list_filter = ["kind", "organisation", "in_app"]


@admin.register(models.NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "kind", "channel"]
    list_filter = ["organisation", "kind", "channel"]


@admin.register(models.JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "status", "started_at", "finished_at"]
    list_filter = ["name", "status"]
    readonly_fields = [f.name for f in models.JobRun._meta.fields]


@admin.register(models.JobLock)
class JobLockAdmin(admin.ModelAdmin):
    list_display = ["key", "holder", "acquired_at", "expires_at"]


@admin.register(models.SsoRoleMapping)
class SsoRoleMappingAdmin(admin.ModelAdmin):
    list_display = ["group", "role", "organisation", "created_by", "created_at"]
    list_filter = ["organisation", "role"]
    search_fields = ["group"]
    list_select_related = ["organisation", "created_by"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        from .audit import audit_change

        if not change:
            obj.created_by = request.user
        with audit_change(
            obj,
            actor=request.user,
            action="sso_mapping.changed",
            created_action="sso_mapping.added",
            fields=["group", "role"],
            reread=True,
        ):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        from .sso.services import sso_mapping_remove

        sso_mapping_remove(mapping=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        from .sso.services import sso_mapping_remove

        for mapping in queryset.select_related("organisation"):
            sso_mapping_remove(mapping=mapping, actor=request.user)


@admin.register(models.SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "issuer", "subject", "created_at", "last_login_at"]
    search_fields = ["user__username", "subject"]
    list_select_related = ["user"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_login_at"]
