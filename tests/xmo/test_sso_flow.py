"""Single sign-on end to end: a real OpenID Connect provider (tests/oidc/idp, panva's
oidc-provider, PKCE required), the live server, and a real HTTP client that follows the
redirects and fills in the provider's sign-in form. No part of the exchange is mocked.
"""

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.xmo import TEST_PASSWORD
from tests.oidc import running_provider
from xmo.models import AuditEvent, Membership, SsoIdentity, SsoRoleMapping

pytestmark = [pytest.mark.oidc, pytest.mark.django_db(transaction=True)]

ALICE = {
    "password": "alice-at-the-idp",
    "email": "alice@acme.example",
    "name": "Alice Example",
    "groups": ["xmo-officers", "staff"],
}


@pytest.fixture
def orgs(db):
    acme = OrganisationFactory(slug="acme", name="Acme")
    globex = OrganisationFactory(slug="globex", name="Globex")
    # Each organisation keeps an admin of its own, so sign-ins may demote and remove freely.
    for org in (acme, globex):
        MembershipFactory(
            user=UserFactory(username=f"{org.slug}-admin"), organisation=org, role="admin"
        )
    SsoRoleMapping.objects.create(organisation=acme, group="xmo-officers", role="officer")
    SsoRoleMapping.objects.create(organisation=acme, group="xmo-leaders", role="leader")
    SsoRoleMapping.objects.create(organisation=globex, group="staff", role="viewer")
    return {"acme": acme, "globex": globex}


@pytest.fixture
def idp(live_server, tmp_path, settings):
    with running_provider(
        redirect_uri=f"{live_server.url}/oidc/callback/",
        workdir=tmp_path,
        people={"alice": ALICE},
    ) as provider:
        settings.XMO_SSO_ENABLED = True
        settings.XMO_OIDC_ISSUER = provider.issuer
        settings.XMO_OIDC_PROVIDER_NAME = "Acme ID"
        settings.OIDC_RP_CLIENT_ID = provider.client_id
        settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
        yield provider


def _form(html: str, base: str) -> str:
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert action, html
    return urljoin(base, action.group(1))


def start(live_server, next_url="/notifications/"):
    """A new browser-like client, sent to the provider; returns it and the provider's page."""
    client = requests.Session()
    login_page = client.get(f"{live_server.url}/login/?next={next_url}", timeout=10)
    assert "Sign in with Acme ID" in login_page.text
    link = re.search(r'href="(/oidc/authenticate/[^"]*)"', login_page.text).group(1)
    to_provider = client.get(
        f"{live_server.url}{link.replace('&amp;', '&')}", allow_redirects=False, timeout=10
    )
    assert to_provider.status_code == 302
    return client, to_provider.headers["Location"]


def sign_in(client, authorize_url, *, login="alice", password=ALICE["password"], follow=True):
    """Follows the authorization request, fills in the provider's form; returns the last response.

    With follow=False it stops at the redirect back to XMO and returns that URL.
    """
    page = client.get(authorize_url, timeout=10)
    assert page.status_code == 200 and 'name="login"' in page.text, page.text
    response = client.post(
        _form(page.text, page.url),
        data={"login": login, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    while response.is_redirect:
        target = urljoin(response.url, response.headers["Location"])
        if "/oidc/callback/" in target and not follow:
            return target
        response = client.get(target, allow_redirects=False, timeout=10)
    return response


def roles_of(username):
    return dict(
        Membership.objects.filter(user__username=username).values_list("organisation__slug", "role")
    )


def test_first_sign_in_creates_the_person_with_mapped_roles_then_follows_group_changes(
    live_server, idp, orgs
):
    client, authorize_url = start(live_server)
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(idp.issuer)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert set(query["scope"][0].split()) >= {"openid", "email", "profile", "groups"}

    landed = sign_in(client, authorize_url)
    assert landed.status_code == 200, landed.text[:500]
    assert urlsplit(landed.url).path == "/notifications/"  # `next` kept through the round trip

    identity = SsoIdentity.objects.select_related("user").get(issuer=idp.issuer, subject="alice")
    user = identity.user
    assert user.username == "alice" and user.email == "alice@acme.example"
    assert user.first_name == "Alice Example" and not user.has_usable_password()
    assert roles_of("alice") == {"acme": "officer", "globex": "viewer"}
    assert Membership.objects.filter(user=user, managed_by_sso=True).count() == 2
    actions = set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert actions == {"user.sso_created", "membership.sso_added"}

    # The provider now says: leader instead of officer, no longer staff.
    idp.set_people({"alice": {**ALICE, "email": "alice@new.example", "groups": ["xmo-leaders"]}})
    client, authorize_url = start(live_server)
    assert sign_in(client, authorize_url).status_code == 200
    assert roles_of("alice") == {"acme": "leader"}
    user.refresh_from_db()
    assert user.email == "alice@new.example"
    assert SsoIdentity.objects.filter(subject="alice").count() == 1
    changed = AuditEvent.objects.get(action="membership.sso_role_set", actor=user)
    assert (changed.before["role"], changed.after["role"]) == ("officer", "leader")
    assert AuditEvent.objects.filter(
        action="membership.sso_removed", organisation=orgs["globex"]
    ).exists()


def test_nobody_is_created_when_no_group_is_mapped(live_server, idp, orgs):
    idp.set_people({"alice": {**ALICE, "groups": ["marketing"]}})
    client, authorize_url = start(live_server)
    landed = sign_in(client, authorize_url)
    assert urlsplit(landed.url).path == "/login/"
    assert "Sign-in with Acme ID did not succeed" in landed.text
    assert "None of your groups gives you a role" in landed.text
    assert not SsoIdentity.objects.exists()
    assert not Membership.objects.filter(user__username="alice").exists()


def test_password_sign_in_is_refused_when_switched_off(live_server, idp, orgs, settings):
    UserFactory(username="local-person")  # has TEST_PASSWORD
    settings.XMO_PASSWORD_LOGIN = False
    client = requests.Session()
    page = client.get(f"{live_server.url}/login/", timeout=10)
    assert "Sign in with Acme ID" in page.text
    assert 'name="password"' not in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    csrf = token.group(1) if token else client.cookies.get("csrftoken", "")
    refused = client.post(
        f"{live_server.url}/login/",
        data={"username": "local-person", "password": TEST_PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{live_server.url}/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert refused.status_code == 403
    assert "Password sign-in is switched off" in refused.text
    assert "sessionid" not in client.cookies
    # The admin site's log-in goes through the same backends: refused as well.
    admin_page = client.get(f"{live_server.url}/admin/login/", timeout=10)
    admin_csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', admin_page.text)
    UserFactory(username="local-admin", is_staff=True, is_superuser=True)
    admin = client.post(
        f"{live_server.url}/admin/login/",
        data={
            "username": "local-admin",
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": admin_csrf.group(1),
        },
        headers={"Referer": f"{live_server.url}/admin/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert admin.status_code == 200 and "sessionid" not in client.cookies

    # Single sign-on still works.
    client, authorize_url = start(live_server)
    assert sign_in(client, authorize_url).status_code == 200
    assert roles_of("alice") == {"acme": "officer", "globex": "viewer"}


def test_a_foreign_next_is_not_followed(live_server, idp, orgs):
    client, authorize_url = start(live_server, next_url="//evil.example/steal")
    landed = sign_in(client, authorize_url)
    assert landed.status_code == 200
    assert urlsplit(landed.url).netloc == urlsplit(live_server.url).netloc
    assert urlsplit(landed.url).path == "/"


def test_a_callback_is_used_once_and_only_by_the_browser_that_started_it(live_server, idp, orgs):
    client, authorize_url = start(live_server)
    callback = sign_in(client, authorize_url, follow=False)
    assert parse_qs(urlsplit(callback).query)["state"]

    # Another browser (no state in its session) presenting the same code: refused.
    stranger = requests.Session()
    answer = stranger.get(callback, timeout=10)
    assert urlsplit(answer.url).path == "/login/" and "did not succeed" in answer.text
    assert "sessionid" not in stranger.cookies

    # The browser that started it signs in; the same callback a second time is refused.
    first = client.get(callback, timeout=10)
    assert urlsplit(first.url).path == "/notifications/"
    replay = client.get(callback, allow_redirects=False, timeout=10)
    assert replay.status_code == 302
    assert replay.headers["Location"] == "/login/?next=%2Fnotifications%2F"
    assert SsoIdentity.objects.count() == 1


def test_a_wrong_nonce_is_refused(live_server, idp, orgs):
    client, authorize_url = start(live_server)
    callback = sign_in(client, authorize_url, follow=False)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    session = SessionStore(session_key=client.cookies["sessionid"])
    session["oidc_states"][state]["nonce"] = "not-the-nonce-sent-to-the-provider"
    session.save()
    answer = client.get(callback, timeout=10)
    assert urlsplit(answer.url).path == "/login/" and "did not succeed" in answer.text
    assert not SsoIdentity.objects.exists()


def test_an_issuer_that_does_not_match_its_discovery_document_is_refused(
    live_server, idp, orgs, settings
):
    settings.XMO_OIDC_ISSUER = idp.issuer.replace("127.0.0.1", "localhost")
    client = requests.Session()
    answer = client.get(f"{live_server.url}/oidc/authenticate/", timeout=10)
    assert urlsplit(answer.url).path == "/login/"
    assert "Sign-in with Acme ID is unavailable right now" in answer.text


def test_the_provider_declining_leaves_nobody_signed_in(live_server, idp, orgs):
    client, authorize_url = start(live_server)
    query = parse_qs(urlsplit(authorize_url).query)
    declined = client.get(
        f"{live_server.url}/oidc/callback/",
        params={"error": "access_denied", "state": query["state"][0]},
        timeout=10,
    )
    assert urlsplit(declined.url).path == "/login/" and "did not succeed" in declined.text
    assert not SsoIdentity.objects.exists()


@pytest.mark.browser
def test_in_chromium_an_admin_signs_in_with_the_provider(live_server, idp, orgs, monkeypatch):
    """The same round trip in a real browser: cookies (SameSite=Lax) survive the redirects
    back from the provider, and the page lands where `next` said."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SsoRoleMapping.objects.create(organisation=orgs["acme"], group="xmo-admins", role="admin")
    idp.set_people({"alice": {**ALICE, "groups": ["xmo-admins"]}})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{live_server.url}/login/?next=/settings/sso/")
        page.click("text=Sign in with Acme ID")
        page.fill("input[name=login]", "alice")
        page.fill("input[name=password]", ALICE["password"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/settings/sso/")
        body = page.content()
        browser.close()
    assert "xmo-admins" in body and "Acme ID" in body
    assert roles_of("alice") == {"acme": "admin"}
