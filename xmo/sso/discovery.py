"""The provider's metadata (OpenID Connect Discovery 1.0), fetched once and cached.

Only the issuer is configured; its endpoints come from
`<issuer>/.well-known/openid-configuration`. The document must name the configured issuer
exactly, and every endpoint must obey the same https rule as the issuer.
"""

import logging

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .conf import check_issuer

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


class DiscoveryError(Exception):
    """The provider's metadata could not be read or is not acceptable."""


def _cache_key(issuer: str) -> str:
    return f"oidc-discovery:{issuer}"


def _development() -> bool:
    return settings.DEBUG or getattr(settings, "TESTING", False)


def provider_metadata() -> dict:
    issuer = settings.XMO_OIDC_ISSUER
    metadata = cache.get(_cache_key(issuer))
    if metadata is not None:
        return metadata
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise DiscoveryError(f"could not read {url}: {exc}") from exc
    if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
        raise DiscoveryError(f"{url} does not name the issuer {issuer!r}")
    for name in ENDPOINTS:
        value = metadata.get(name)
        if not isinstance(value, str) or not value:
            raise DiscoveryError(f"{url} has no {name}")
        try:
            check_issuer(value, development=_development())
        except ImproperlyConfigured as exc:
            raise DiscoveryError(f"{name} {value!r} is not https") from exc
    methods = metadata.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise DiscoveryError(f"{issuer} does not support PKCE with S256")
    cache.set(_cache_key(issuer), metadata, CACHE_SECONDS)
    return metadata


def endpoint(name: str) -> str:
    return provider_metadata()[name]


def forget() -> None:
    """Drop the cached metadata (after a failed sign-in, in case the provider changed)."""
    cache.delete(_cache_key(settings.XMO_OIDC_ISSUER))
