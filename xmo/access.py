"""Access helpers for views: signed in, a member of the current organisation, allowed by role.

Objects are always looked up within request.organisation, so another organisation's object
is a 404, never a 403 (its existence is not revealed).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from .middleware import current_membership
from .roles import can


def org_required(capability: str | None = None):
    """Decorator: the view gets request.membership / request.organisation resolved and checked."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = current_membership(request)
            if membership is None:
                return render(request, "xmo/no_organisation.html", status=403)
            if capability is not None and not can(membership, capability):
                raise PermissionDenied(
                    # The capability stays in its English words (its code, readable).
                    _("Your role may not %(action)s.") % {"action": capability.replace("_", " ")}
                )
            request.membership = membership
            request.organisation = membership.organisation
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorator


def org_object_or_404(request, model_or_queryset, **lookup):
    """Fetch an object of the current organisation or raise 404."""
    queryset = (
        model_or_queryset._default_manager.all()
        if hasattr(model_or_queryset, "_default_manager")
        else model_or_queryset
    )
    return get_object_or_404(queryset, organisation=request.organisation, **lookup)
