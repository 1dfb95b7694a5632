"""Sign-in with OpenID Connect (start and callback) and Settings → Single sign-on.

The start and callback views are mozilla-django-oidc's, fed by discovery and turning every
failure into a message on the sign-in page. The settings page is for the organisation's
admins (manage_organisation); mappings are looked up within the current organisation.
"""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    get_next_url,
)

from xmo.access import org_object_or_404, org_required
from xmo.pagination import page_of

from . import discovery, services
from .forms import SsoMappingForm
from .models import SsoIdentity, SsoRoleMapping

logger = logging.getLogger(__name__)


def _back_to_login(request, message, next_url=None):
    messages.error(request, message)
    if next_url:
        return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")
    return redirect(settings.LOGIN_URL)


class SsoStartView(OIDCAuthenticationRequestView):
    """Redirects to the provider with state, nonce and an S256 code challenge."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoints are read at each request, not at start

    def get(self, request):
        if not settings.XMO_SSO_ENABLED:
            return _back_to_login(request, _("Single sign-on is not configured here."))
        try:
            self.OIDC_OP_AUTH_ENDPOINT = discovery.endpoint("authorization_endpoint")
        except discovery.DiscoveryError as exc:
            logger.warning("single sign-on unavailable: %s", exc)
            return _back_to_login(
                request,
                _("Sign-in with %(provider)s is unavailable right now; try again in a moment.")
                % {"provider": settings.XMO_OIDC_PROVIDER_NAME},
                next_url=get_next_url(request, "next"),
            )
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Checks the state, exchanges the code (with the PKCE verifier), signs the person in."""

    def get(self, request):
        if not settings.XMO_SSO_ENABLED:
            return _back_to_login(request, _("Single sign-on is not configured here."))
        if "error" in request.GET:
            # The provider declined (or someone crafted the link): forget the state, and leave
            # whoever is signed in signed in, unlike the library, so a link cannot sign out.
            states = request.session.get("oidc_states") or {}
            if states.pop(request.GET.get("state", ""), None) is not None:
                request.session.modified = True
            logger.info("single sign-on declined by the provider: %s", request.GET["error"][:100])
            return self.login_failure()
        try:
            return super().get(request)
        except (
            SuspiciousOperation,
            discovery.DiscoveryError,
            requests.RequestException,
            jwt.InvalidTokenError,
            KeyError,
            ValueError,
        ) as exc:
            logger.warning("single sign-on refused: %s: %s", exc.__class__.__name__, exc)
            discovery.forget()
            return self.login_failure()

    def login_failure(self):
        reason = getattr(self.request, "sso_refusal", "")
        message = _("Sign-in with %(provider)s did not succeed.") % {
            "provider": settings.XMO_OIDC_PROVIDER_NAME
        }
        # `next` was checked when the sign-in started.
        next_url = self.request.session.get("oidc_login_next")
        return _back_to_login(self.request, f"{message} {reason}".strip(), next_url=next_url)


# -- Settings → Single sign-on --------------------------------------------------------------


def _settings_page(request, *, form=None, status=200):
    mappings = SsoRoleMapping.objects.filter(organisation=request.organisation).select_related(
        "created_by"
    )
    sso_people = SsoIdentity.objects.filter(
        user__memberships__organisation=request.organisation
    ).count()
    return render(
        request,
        "xmo/settings/sso.html",
        {
            "tab": "sso",
            "page": page_of(request, mappings),
            "form": form or SsoMappingForm(organisation=request.organisation),
            "sso_people": sso_people,
            "callback_url": request.build_absolute_uri(reverse("oidc_authentication_callback")),
            "precedence_text": " › ".join(str(role.label) for role in services.ROLE_PRECEDENCE),
            "settings_sso": {
                "enabled": settings.XMO_SSO_ENABLED,
                "provider_name": settings.XMO_OIDC_PROVIDER_NAME,
                "issuer": settings.XMO_OIDC_ISSUER,
                "groups_claim": settings.XMO_OIDC_GROUPS_CLAIM,
                "password_login": settings.XMO_PASSWORD_LOGIN,
            },
        },
        status=status,
    )


@org_required("manage_organisation")
@require_http_methods(["GET", "POST"])
def sso_settings(request):
    if request.method == "GET":
        return _settings_page(request)
    form = SsoMappingForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return _settings_page(request, form=form, status=400)
    try:
        mapping = services.sso_mapping_add(
            organisation=request.organisation, actor=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_error(None, " ".join(exc.messages))
        return _settings_page(request, form=form, status=400)
    messages.success(
        request,
        _("Members of “%(group)s” get the role %(role)s at their next sign-in.")
        % {"group": mapping.group, "role": mapping.get_role_display()},
    )
    return redirect("settings_sso")


@org_required("manage_organisation")
@require_POST
def sso_mapping_remove(request, pk):
    mapping = org_object_or_404(request, SsoRoleMapping, pk=pk)
    services.sso_mapping_remove(mapping=mapping, actor=request.user)
    messages.success(
        request,
        _("“%(group)s” no longer gives a role; its members lose it at their next sign-in.")
        % {"group": mapping.group},
    )
    return redirect("settings_sso")
