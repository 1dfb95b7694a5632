"""Shared fixtures: one user per role in organisation A, an outsider in organisation B.

Service-dependent tests carry a marker (postgres, redis, browser). Without the service they
skip, unless XMO_REQUIRE_SERVICES=1 (set by .ci/run), which turns the skip into a failure.
"""

import os
import shutil

import pytest
from django.conf import settings

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from xmo.choices import Role

REQUIRE_SERVICES = os.environ.get("XMO_REQUIRE_SERVICES", "") in {"1", "true", "yes"}
CHROMIUM = os.environ.get("XMO_CHROMIUM", "/usr/bin/chromium")


def _redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and not settings.IS_POSTGRES:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not _redis_available():
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 with Redis running"
    if marker == "browser" and not shutil.which(CHROMIUM):
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker):
            reason = _service_missing(marker)
            if reason:
                if REQUIRE_SERVICES:
                    pytest.fail(f"XMO_REQUIRE_SERVICES=1 but this test {reason}")
                pytest.skip(reason)


ROLES = [r.value for r in Role]


@pytest.fixture
def org_a(db):
    return OrganisationFactory(slug="org-a", name="Organisation A")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(slug="org-b", name="Organisation B")


@pytest.fixture
def users(org_a):
    """{role: user} — one member of organisation A per role."""
    result = {}
    for role in ROLES:
        user = UserFactory(username=f"a-{role}")
        MembershipFactory(user=user, organisation=org_a, role=role)
        result[role] = user
    return result


@pytest.fixture
def outsider(org_b):
    """An admin of organisation B: powerful there, a stranger to A."""
    user = UserFactory(username="b-admin")
    MembershipFactory(user=user, organisation=org_b, role="admin")
    return user


@pytest.fixture
def login(client):
    """login(user) → the test client signed in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
