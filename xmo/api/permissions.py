"""API permissions: a token needs the scope; a person needs a membership and a role."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from xmo.middleware import current_membership
from xmo.models import ApiToken
from xmo.roles import can


def request_token(request) -> ApiToken | None:
    token = getattr(request, "auth", None)
    return token if isinstance(token, ApiToken) else None


def request_membership(request):
    """The signed-in person's current membership (None for token requests)."""
    if request_token(request) is not None:
        return None
    return current_membership(getattr(request, "_request", request))


def request_organisation(request):
    """The organisation an API request acts for: the token's, or the person's current one."""
    token = request_token(request)
    if token is not None:
        return token.organisation
    membership = request_membership(request)
    return membership.organisation if membership else None


def _for_method(value, method: str):
    if isinstance(value, dict):
        return value.get(method, value.get("*"))
    return value


class ScopeOrRole(BasePermission):
    """Set on a view: `token_scope` and `capability`, each a value or a {method: value} dict.

    A method absent from the dict is refused (e.g. tokens may not change configuration).
    """

    message = gettext_lazy("Your token or role does not allow this.")

    def has_permission(self, request, view):
        token = request_token(request)
        if token is not None:
            scope = _for_method(getattr(view, "token_scope", "read"), request.method)
            if scope is None:
                self.message = _("API tokens may not do this; sign in as an administrator.")
                return False
            if not token.has_scope(scope):
                self.message = _("This token lacks the '%(scope)s' scope.") % {"scope": scope}
                return False
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        membership = request_membership(request)
        if membership is None:
            self.message = _("You are not a member of any organisation.")
            return False
        capability = _for_method(getattr(view, "capability", None), request.method)
        if capability is None or not can(membership, capability):
            self.message = _("Your role does not allow this.")
            return False
        return True
