"""API permissions: a token needs the scope; a person needs a membership and a role."""

from rest_framework.permissions import BasePermission

from xmo.middleware import current_membership
from xmo.roles import can


def request_organisation(request):
    """The organisation an API request acts for: the token's, or the person's current one."""
    token = getattr(request, "auth", None)
    if token is not None and hasattr(token, "organisation"):
        return token.organisation
    membership = current_membership(request._request if hasattr(request, "_request") else request)
    return membership.organisation if membership else None


class ScopeOrRole(BasePermission):
    """Set on a view: `token_scope = "read"` and `capability = "view_xlas"`."""

    message = "Your token or role does not allow this."

    def has_permission(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "has_scope"):
            scope = getattr(view, "token_scope", "read")
            if not token.has_scope(scope):
                self.message = f"This token lacks the '{scope}' scope."
                return False
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        membership = current_membership(request._request)
        if membership is None:
            self.message = "You are not a member of any organisation."
            return False
        capability = getattr(view, "capability", None)
        if capability is None:
            return False
        if isinstance(capability, dict):
            capability = capability.get(request.method, capability.get("*"))
            if capability is None:
                return False
        return can(membership, capability)
