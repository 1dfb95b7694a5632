"""The ID token checks that mozilla-django-oidc leaves to us: issuer, audience (and azp),
expiry, issue time, algorithm. Tokens signed here with a key of the test's own."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation

from xmo.sso.backends import SsoBackend

ISSUER = "https://id.example.org"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def backend(settings):
    settings.XMO_SSO_ENABLED = True
    settings.XMO_OIDC_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = "xmo"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    return SsoBackend()


def token(key=KEY, algorithm="RS256", **overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "xmo", "sub": "u-1", "iat": now, "exp": now + 300}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm)


def test_a_good_token_is_read(backend):
    payload = backend.get_payload_data(token(nonce="n"), KEY.public_key())
    assert payload["sub"] == "u-1" and payload["nonce"] == "n"
    several = token(aud=["xmo", "other"], azp="xmo")
    assert backend.get_payload_data(several, KEY.public_key())["azp"] == "xmo"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example"},
        {"aud": "another-client"},
        {"aud": ["xmo", "other"]},  # several audiences, no azp
        {"aud": ["xmo", "other"], "azp": "other"},
        {"exp": int(time.time()) - 3600},
        {"iat": int(time.time()) + 3600},
        {"exp": None},
        {"iss": None},
    ],
)
def test_a_token_for_someone_else_or_out_of_time_is_refused(backend, overrides):
    with pytest.raises(SuspiciousOperation):
        backend.get_payload_data(token(**overrides), KEY.public_key())


def test_another_key_or_algorithm_is_refused(backend):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(SuspiciousOperation):
        backend.get_payload_data(token(key=other), KEY.public_key())
    hmac_key = "an-hmac-key-of-at-least-thirty-two-bytes"
    with pytest.raises(SuspiciousOperation):
        backend.get_payload_data(token(key=hmac_key, algorithm="HS256"), hmac_key)
    with pytest.raises(SuspiciousOperation):
        backend.get_payload_data("not-a-token", KEY.public_key())
