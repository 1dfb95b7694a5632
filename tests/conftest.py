"""Shared fixtures: one user per role in organisation A, an outsider in organisation B.

Service-dependent tests carry a marker (postgres, redis, browser, oidc, replica). Without the
service they skip, unless XMO_REQUIRE_SERVICES=1 (set by .ci/run), which turns the skip into a
failure.

XMO_TEST_CLOCK=2027-01-31T23:30:00+00:00 runs the whole session at that instant (see
tests/clock/sitecustomize.py). Under pytest-xdist each worker has its own database (pytest-django
adds the _gw<N> suffix) and, with REDIS_URL, its own Redis database (N added to the number).
"""

import os
import shutil
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.clock import sitecustomize as clock
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from xmo.choices import Role

REQUIRE_SERVICES = os.environ.get("XMO_REQUIRE_SERVICES", "") in {"1", "true", "yes"}
CHROMIUM = os.environ.get("XMO_CHROMIUM", "/usr/bin/chromium")
TEST_CLOCK = clock.start()


def pytest_report_header(config):
    if TEST_CLOCK is not None:
        return f"clock: XMO_TEST_CLOCK={TEST_CLOCK.isoformat()} (the session starts then)"
    return None


def _worker_redis_url(url: str, worker: str) -> str:
    """The Redis URL with the database number moved up by the xdist worker's index."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(base + index) % 16}"))


def pytest_configure(config):
    # Workers must not share Redis: the cache is cleared (FLUSHDB) around every test, and a
    # real Celery worker started by one test would take the other workers' messages.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and settings.REDIS_URL:
        url = _worker_redis_url(settings.REDIS_URL, worker)
        settings.REDIS_URL = url
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
        settings.CELERY_BROKER_URL = url
        from xmo.celery import app

        app.conf.broker_url = url


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
    if marker == "replica":
        if not settings.IS_POSTGRES:
            return "needs PostgreSQL: set DATABASE_URL=postgres://..."
        if not os.environ.get("XMO_TEST_REPLICA_URL"):
            return "needs a streaming replica: run .ci/replica and set XMO_TEST_REPLICA_URL"
    if marker == "oidc":
        from tests.oidc import provider_missing

        return provider_missing()
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser", "oidc", "replica"):
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


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language: a request in German (or a user's
    German preference) activates German for the thread, which would leak into the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
