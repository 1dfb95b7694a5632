"""Single sign-on's rows: each organisation's group → role mappings, and who is who at the
identity provider. App label `xmo` (imported by xmo/models.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xmo.choices import Role


class SsoRoleMapping(models.Model):
    """Members of the identity provider's group `group` get `role` in `organisation`."""

    organisation = models.ForeignKey(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="sso_role_mappings"
    )
    group = models.CharField(
        max_length=200, help_text=_("The group's name exactly as the identity provider sends it.")
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "xmo"
        ordering = ["organisation", "group"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "group"], name="sso_mapping_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="sso_mapping_role"),
        ]

    def __str__(self):
        return f"{self.group} → {self.get_role_display()} in {self.organisation}"


class SsoIdentity(models.Model):
    """A person as the identity provider knows them: its issuer and their `sub`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "xmo"
        ordering = ["issuer", "subject"]
        verbose_name_plural = "SSO identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")
        ]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"
