"""The two ways to sign in: a local password, and OpenID Connect.

SsoBackend is mozilla-django-oidc's backend with what it leaves open closed: the endpoints
come from discovery; the ID token's signature, `iss`, `aud` (and `azp`), `exp`, `iat` and
nonce are all checked; the UserInfo `sub` must be the ID token's; people are matched on
(issuer, sub), never on a bare e-mail address.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import discovery, services

logger = logging.getLogger(__name__)

# Clock difference tolerated between the provider and us, in seconds.
LEEWAY_SECONDS = 60


class PasswordBackend(ModelBackend):
    """Django's username and password check, switched off by XMO_PASSWORD_LOGIN=0.

    Switched off, it also stops recognising sessions it opened, so people signed in with a
    password before the switch are signed out at their next request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.XMO_PASSWORD_LOGIN:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        if not settings.XMO_PASSWORD_LOGIN:
            return None
        return super().get_user(user_id)


def _endpoint(name):
    return property(lambda self: discovery.endpoint(name))


class SsoBackend(OIDCAuthenticationBackend):
    OIDC_OP_TOKEN_ENDPOINT = _endpoint("token_endpoint")
    OIDC_OP_USER_ENDPOINT = _endpoint("userinfo_endpoint")
    OIDC_OP_JWKS_ENDPOINT = _endpoint("jwks_uri")
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        # Django builds every backend for each sign-in and request; nothing is read here, so
        # a provider that is down never disturbs password sign-ins or open sessions.
        self.UserModel = get_user_model()

    def get_user(self, user_id):
        # Unlike the library's: a deactivated person's session ends, and so does every single
        # sign-on session once single sign-on is switched off.
        if not settings.XMO_SSO_ENABLED:
            return None
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce: a password sign-in never reaches the provider.
        if not settings.XMO_SSO_ENABLED or request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token, key):
        """A signed JWT from the provider, for this client, within its validity."""
        algorithm = self.OIDC_RP_SIGN_ALGO
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"unreadable token: {exc}") from exc
        if header.get("alg") != algorithm:
            raise SuspiciousOperation(f"token signed with {header.get('alg')!r}, not {algorithm}")
        required = ["iss", "aud", "sub"] + ([] if self._reading_userinfo else ["exp", "iat"])
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.XMO_OIDC_ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": required},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"token refused: {exc}") from exc
        audience = payload.get("aud")
        several = isinstance(audience, list) and len(audience) > 1
        if several and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("token for several audiences without our azp")
        return payload

    _reading_userinfo = False

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the UserInfo endpoint's (same `sub`)."""
        self._reading_userinfo = True
        try:
            userinfo = super().get_userinfo(access_token, id_token, payload)
        except requests.RequestException as exc:
            raise SuspiciousOperation(f"UserInfo endpoint failed: {exc}") from exc
        finally:
            self._reading_userinfo = False
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("UserInfo is about another subject than the ID token")
        return {**payload, **userinfo}

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            return services.sso_sign_in(
                issuer=settings.XMO_OIDC_ISSUER,
                claims=claims,
                groups_claim=settings.XMO_OIDC_GROUPS_CLAIM,
                link_by_email=settings.XMO_OIDC_LINK_BY_EMAIL,
            )
        except services.SsoRefused as exc:
            # Shown on the sign-in page by the callback view.
            self.request.sso_refusal = str(exc)
            raise SuspiciousOperation(str(exc)) from exc
