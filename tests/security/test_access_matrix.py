"""Every URL × every role × own or other organisation, generated from the URL configuration.

A URL without an entry in ACCESS fails `test_every_url_has_an_access_rule`, so a new page or
endpoint cannot ship without saying who may use it. Each rule names the capability (from
xmo.roles) or the roles allowed, the HTTP method to probe, and how to build its arguments
from the `world` fixture (objects of organisation A).

Semantics, probed with an empty body for POST:
- a role that may use it gets neither 403 nor 404 (nor a redirect to log-in);
- a role that may not gets 403;
- anonymous people are redirected to log-in (pages) or get 401/403 (API);
- the outsider (admin of organisation B) gets 404 for every URL about an object of A.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from xmo.roles import ALL_ROLES, CAPABILITIES

ROLES = sorted(ALL_ROLES)


@dataclass(frozen=True)
class Rule:
    capability: str | None = None
    roles: frozenset[str] | None = None
    public: bool = False
    method: str = "get"
    kwargs: callable | None = None  # world -> dict of URL kwargs (objects of org A)
    data: callable | None = None  # world -> POST body
    query: str = ""
    api: bool = False
    login_redirect_ok: bool = False  # e.g. log-out sends everyone to the log-in page
    extra_ok: frozenset[int] = field(default_factory=frozenset)

    def allowed_roles(self) -> frozenset[str]:
        if self.public:
            return ALL_ROLES
        if self.roles is not None:
            return self.roles
        if self.capability is not None:
            return CAPABILITIES[self.capability]
        return ALL_ROLES


ANY_MEMBER = Rule()

# name (with namespace) → Rule. Keep in the order of the URL configuration.
ACCESS: dict[str, Rule] = {
    "healthz": Rule(public=True),
    "readyz": Rule(public=True),
    "home": ANY_MEMBER,
    "login": Rule(public=True),
    "logout": Rule(public=True, method="post", login_redirect_ok=True),
    "switch_organisation": Rule(
        public=True, method="post", data=lambda w: {"organisation": w["org"].pk}
    ),
    "schema": Rule(public=True),
    "api-docs": Rule(public=True),
}

# Framework URLs with their own access control, checked elsewhere.
EXEMPT_PREFIXES = ("admin:",)


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def all_url_names() -> list[str]:
    return sorted(
        {n for n in _walk(get_resolver().url_patterns) if not n.startswith(EXEMPT_PREFIXES)}
    )


def test_every_url_has_an_access_rule():
    missing = [name for name in all_url_names() if name not in ACCESS]
    assert not missing, (
        f"URLs without an access rule in tests/security/test_access_matrix.py: {missing}"
    )


def test_no_stale_rules():
    names = set(all_url_names())
    stale = [name for name in ACCESS if name not in names]
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


@pytest.fixture
def world(org_a, users):
    """One object of each kind in organisation A, for URL arguments."""
    from tests.factories import build_world

    return build_world(org_a, users)


def _url(name, rule, world):
    from django.urls import reverse

    kwargs = rule.kwargs(world) if rule.kwargs else {}
    return reverse(name, kwargs=kwargs) + (f"?{rule.query}" if rule.query else "")


def _request(client, rule, url, world):
    if rule.method == "post":
        return client.post(url, rule.data(world) if rule.data else {})
    return client.get(url)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


CASES = [(name, role) for name in sorted(ACCESS) for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_role_matrix(name, role, world, users, client):
    rule = ACCESS[name]
    client.force_login(users[role])
    response = _request(client, rule, _url(name, rule, world), world)
    assert response.status_code < 500, response.content[:300]
    if role in rule.allowed_roles():
        assert response.status_code not in (403, 404), (name, role, response.status_code)
        assert rule.login_redirect_ok or not _is_login_redirect(response), (name, role)
    else:
        assert response.status_code == 403, (name, role, response.status_code)


@pytest.mark.parametrize("name", sorted(n for n, r in ACCESS.items() if r.kwargs))
def test_outsider_gets_404_for_objects_of_another_organisation(name, world, outsider, client):
    rule = ACCESS[name]
    client.force_login(outsider)
    response = _request(client, rule, _url(name, rule, world), world)
    assert response.status_code == 404, (name, response.status_code)


@pytest.mark.parametrize("name", sorted(n for n, r in ACCESS.items() if not r.public))
def test_anonymous_is_sent_to_log_in(name, world, client):
    rule = ACCESS[name]
    response = _request(client, rule, _url(name, rule, world), world)
    if rule.api:
        assert response.status_code in (401, 403)
    else:
        assert _is_login_redirect(response) or response.status_code in (401, 403), (
            name,
            response.status_code,
        )
