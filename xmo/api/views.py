"""Building blocks shared by every API view: organisation scoping, permissions, throttling."""

from rest_framework import viewsets

from .permissions import ScopeOrRole, request_organisation
from .schema import XmoAutoSchema
from .throttling import TokenRateThrottle


class OrganisationScopedMixin:
    """Everything the view returns belongs to the requesting token's or person's organisation.

    Another organisation's object is therefore a 404, never a 403.
    """

    permission_classes = [ScopeOrRole]
    schema = XmoAutoSchema()
    throttle_classes = [TokenRateThrottle]
    token_scope = "read"
    capability = "view_dashboard"

    @property
    def organisation(self):
        if not hasattr(self, "_organisation"):
            self._organisation = request_organisation(self.request)
        return self._organisation

    def scope_queryset(self, queryset):
        return queryset.filter(organisation=self.organisation)

    def get_queryset(self):
        return self.scope_queryset(super().get_queryset())


class OrganisationReadOnlyViewSet(OrganisationScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass
