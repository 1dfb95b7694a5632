"""The single sign-on settings, read from the environment by xmo/settings.py."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
DEFAULT_SCOPES = "openid email profile groups"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off)")


def check_issuer(issuer: str, *, development: bool) -> str:
    """The issuer URL, refused unless https (plain http only for a loopback host in development)."""
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return issuer
    if parts.scheme == "http" and development and parts.hostname in LOOPBACK_HOSTS:
        return issuer
    raise ImproperlyConfigured(
        f"XMO_OIDC_ISSUER must be an https:// URL (got {issuer!r}); plain http is accepted "
        "only for localhost with DJANGO_DEBUG=1."
    )


def sso_settings(*, development: bool) -> dict:
    """Settings for xmo/settings.py: mozilla-django-oidc's OIDC_* names and XMO_* of our own."""
    issuer = os.environ.get("XMO_OIDC_ISSUER", "").strip().rstrip("/")
    password_login = _flag("XMO_PASSWORD_LOGIN", True)
    values = {
        "XMO_SSO_ENABLED": bool(issuer),
        "XMO_OIDC_ISSUER": check_issuer(issuer, development=development) if issuer else "",
        "XMO_OIDC_PROVIDER_NAME": os.environ.get("XMO_OIDC_PROVIDER_NAME", "").strip()
        or "single sign-on",
        "XMO_OIDC_GROUPS_CLAIM": os.environ.get("XMO_OIDC_GROUPS_CLAIM", "").strip() or "groups",
        "XMO_OIDC_LINK_BY_EMAIL": _flag("XMO_OIDC_LINK_BY_EMAIL", False),
        "XMO_PASSWORD_LOGIN": password_login,
        "OIDC_RP_CLIENT_ID": os.environ.get("XMO_OIDC_CLIENT_ID", "").strip(),
        "OIDC_RP_CLIENT_SECRET": os.environ.get("XMO_OIDC_CLIENT_SECRET", ""),
        "OIDC_RP_SCOPES": " ".join(
            os.environ.get("XMO_OIDC_SCOPES", "").split() or DEFAULT_SCOPES.split()
        ),
        "OIDC_RP_SIGN_ALGO": os.environ.get("XMO_OIDC_SIGN_ALGO", "").strip() or "RS256",
        # Authorization-code flow with PKCE (S256), a nonce and a state on every sign-in.
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_USE_NONCE": True,
        # client_secret_basic, the default token endpoint authentication of OpenID Connect.
        "OIDC_TOKEN_USE_BASIC_AUTH": True,
        "OIDC_TIMEOUT": 10,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_authentication_callback",
    }
    if issuer and not (values["OIDC_RP_CLIENT_ID"] and values["OIDC_RP_CLIENT_SECRET"]):
        raise ImproperlyConfigured(
            "XMO_OIDC_ISSUER is set: XMO_OIDC_CLIENT_ID and XMO_OIDC_CLIENT_SECRET are required."
        )
    if "openid" not in values["OIDC_RP_SCOPES"].split():
        raise ImproperlyConfigured("XMO_OIDC_SCOPES must include openid.")
    if not password_login and not issuer:
        raise ImproperlyConfigured(
            "XMO_PASSWORD_LOGIN=0 needs single sign-on (XMO_OIDC_ISSUER): nobody could sign in."
        )
    return values
