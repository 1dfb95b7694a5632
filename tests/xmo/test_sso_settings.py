"""Single sign-on without the provider: Settings → Single sign-on, the log-in page, the roles
applied at sign-in (services called with verified claims), and the configuration rules."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from xmo.models import AuditEvent, Membership, SsoIdentity, SsoRoleMapping
from xmo.sso import conf, services

ROLES = ["admin", "officer", "member", "leader", "service_owner", "viewer"]
ISSUER = "https://id.example.org"


@pytest.fixture
def sso_on(settings):
    settings.XMO_SSO_ENABLED = True
    settings.XMO_OIDC_ISSUER = ISSUER
    settings.XMO_OIDC_PROVIDER_NAME = "Acme ID"
    settings.OIDC_RP_CLIENT_ID = "xmo"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    return settings


# -- Settings → Single sign-on ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_page_is_for_admins_only(users, login, role):
    response = login(users[role]).get("/settings/sso/")
    assert response.status_code == (200 if role == "admin" else 403)


def test_empty_state_and_installation_status(users, login):
    response = login(users["admin"]).get("/settings/sso/")
    body = response.content.decode()
    assert "No mappings yet" in body
    assert "not configured for this installation" in body


def test_status_when_configured(users, login, sso_on):
    body = login(users["admin"]).get("/settings/sso/").content.decode()
    assert "Acme ID" in body and ISSUER in body
    assert "http://testserver/oidc/callback/" in body


def test_admin_adds_and_removes_a_mapping_audited(users, login, org_a):
    client = login(users["admin"])
    response = client.post("/settings/sso/", {"group": " xmo-officers ", "role": "officer"})
    assert response.status_code == 302
    mapping = SsoRoleMapping.objects.get(organisation=org_a)
    assert (mapping.group, mapping.role, mapping.created_by) == (
        "xmo-officers",
        "officer",
        users["admin"],
    )
    added = AuditEvent.objects.get(action="sso_mapping.added")
    assert added.organisation == org_a and added.after == {
        "group": "xmo-officers",
        "role": "officer",
    }
    assert "xmo-officers" in client.get("/settings/sso/").content.decode()

    duplicate = client.post("/settings/sso/", {"group": "xmo-officers", "role": "viewer"})
    assert duplicate.status_code == 400 and b"already mapped" in duplicate.content
    assert client.post("/settings/sso/", {"group": "x", "role": "king"}).status_code == 400
    assert client.post("/settings/sso/", {"group": "  ", "role": "viewer"}).status_code == 400
    assert SsoRoleMapping.objects.count() == 1

    removed = client.post(f"/settings/sso/{mapping.pk}/remove/")
    assert removed.status_code == 302
    assert not SsoRoleMapping.objects.exists()
    event = AuditEvent.objects.get(action="sso_mapping.removed")
    assert event.before == {"group": "xmo-officers", "role": "officer"}


def test_other_organisations_mapping_is_a_404(users, login, outsider, org_b):
    theirs = SsoRoleMapping.objects.create(organisation=org_b, group="staff", role="admin")
    response = login(users["admin"]).post(f"/settings/sso/{theirs.pk}/remove/")
    assert response.status_code == 404
    assert SsoRoleMapping.objects.filter(pk=theirs.pk).exists()
    assert "staff" not in login(users["admin"]).get("/settings/sso/").content.decode()


def test_the_same_group_may_map_in_two_organisations(users, login, org_a, org_b):
    SsoRoleMapping.objects.create(organisation=org_b, group="xmo-officers", role="viewer")
    response = login(users["admin"]).post(
        "/settings/sso/", {"group": "xmo-officers", "role": "officer"}
    )
    assert response.status_code == 302
    assert SsoRoleMapping.objects.filter(group="xmo-officers").count() == 2


def test_mapping_list_bounded_queries(users, login, org_a, django_assert_max_num_queries):
    for n in range(30):
        SsoRoleMapping.objects.create(
            organisation=org_a, group=f"group-{n:02d}", role="viewer", created_by=users["admin"]
        )
    client = login(users["admin"])
    with django_assert_max_num_queries(12):
        response = client.get("/settings/sso/")
    assert response.status_code == 200
    assert b"group-29" in response.content and b"(30)" in response.content


# -- the log-in page --------------------------------------------------------------------------


def test_login_page_without_sso_has_only_the_password_form(client, db):
    body = client.get("/login/").content.decode()
    assert "Sign in with" not in body and 'name="password"' in body


def test_login_page_offers_the_provider_and_keeps_next(client, db, sso_on):
    body = client.get("/login/?next=/xlas/%3Fa%3D1").content.decode()
    assert "Sign in with Acme ID" in body
    assert 'href="/oidc/authenticate/?next=/xlas/%3Fa%3D1"' in body
    assert 'name="password"' in body


def test_password_sessions_end_when_password_sign_in_is_switched_off(users, login, sso_on):
    client = login(users["viewer"])  # a password session (PasswordBackend)
    assert client.get("/notifications/").status_code == 200
    sso_on.XMO_PASSWORD_LOGIN = False
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_sso_sessions_end_for_deactivated_people_and_when_sso_is_switched_off(client, db, sso_on):
    org = OrganisationFactory(slug="acme")
    SsoRoleMapping.objects.create(organisation=org, group="staff", role="admin")
    user = services.sso_sign_in(
        issuer=ISSUER, claims={"sub": "s-1", "groups": ["staff"]}, groups_claim="groups"
    )
    client.force_login(user, backend="xmo.sso.backends.SsoBackend")
    assert client.get("/notifications/").status_code == 200
    sso_on.XMO_SSO_ENABLED = False
    assert client.get("/notifications/").status_code == 302
    sso_on.XMO_SSO_ENABLED = True
    client.force_login(user, backend="xmo.sso.backends.SsoBackend")
    user.is_active = False
    user.save()
    assert client.get("/notifications/").status_code == 302


def test_sign_in_views_without_sso_send_back_to_login(client, db):
    for url in ("/oidc/authenticate/", "/oidc/callback/?code=x&state=y"):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == "/login/"
        assert b"not configured" in response.content


def test_provider_unreachable_is_a_message_not_an_error(client, db, sso_on):
    sso_on.XMO_OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = client.get("/oidc/authenticate/?next=/xlas/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/login/?next=%2Fxlas%2F"
    assert b"Sign-in with Acme ID is unavailable right now" in response.content
    foreign = client.get("/oidc/authenticate/?next=https://evil.example/", follow=True)
    assert foreign.redirect_chain[-1][0] == "/login/"


def test_members_page_marks_roles_given_by_single_sign_on(users, login, org_a):
    MembershipFactory(
        organisation=org_a, user=UserFactory(username="from-idp"), managed_by_sso=True
    )
    body = login(users["admin"]).get("/settings/members/").content.decode()
    assert body.count("role from single sign-on") == 1


# -- roles applied at sign-in -----------------------------------------------------------------


@pytest.fixture
def acme(db):
    org = OrganisationFactory(slug="acme", name="Acme")
    MembershipFactory(organisation=org, user=UserFactory(username="acme-admin"), role="admin")
    return org


def claims(sub="u-1", **extra):
    return {"sub": sub, "email": "pat@acme.example", "preferred_username": "pat", **extra}


def sign_in(**claim_values):
    return services.sso_sign_in(issuer=ISSUER, claims=claims(**claim_values), groups_claim="groups")


def test_highest_role_wins_when_several_groups_map(acme):
    SsoRoleMapping.objects.create(organisation=acme, group="everyone", role="viewer")
    SsoRoleMapping.objects.create(organisation=acme, group="xmo-officers", role="officer")
    SsoRoleMapping.objects.create(organisation=acme, group="xmo-members", role="member")
    user = sign_in(groups=["everyone", "xmo-members", "xmo-officers"])
    assert Membership.objects.get(user=user, organisation=acme).role == "officer"


def test_a_single_string_groups_claim_counts(acme):
    SsoRoleMapping.objects.create(organisation=acme, group="xmo-officers", role="officer")
    user = sign_in(groups="xmo-officers")
    assert Membership.objects.get(user=user).role == "officer"


def test_a_membership_added_by_hand_is_kept_until_a_mapping_covers_the_person(acme):
    SsoRoleMapping.objects.create(organisation=acme, group="xmo-officers", role="officer")
    other = OrganisationFactory(slug="other")
    MembershipFactory(organisation=other, user=UserFactory(username="other-admin"), role="admin")
    user = sign_in(groups=["xmo-officers"])
    by_hand = MembershipFactory(organisation=other, user=user, role="member")
    sign_in(groups=["xmo-officers"])
    by_hand.refresh_from_db()
    assert (by_hand.role, by_hand.managed_by_sso) == ("member", False)

    SsoRoleMapping.objects.create(organisation=other, group="xmo-leaders", role="leader")
    sign_in(groups=["xmo-officers", "xmo-leaders"])
    by_hand.refresh_from_db()
    assert (by_hand.role, by_hand.managed_by_sso) == ("leader", True)
    sign_in(groups=["xmo-officers"])
    assert not Membership.objects.filter(pk=by_hand.pk).exists()


def test_the_last_admin_is_never_demoted_by_a_sign_in(db):
    org = OrganisationFactory(slug="solo")
    SsoRoleMapping.objects.create(organisation=org, group="xmo-admins", role="admin")
    SsoRoleMapping.objects.create(organisation=org, group="staff", role="viewer")
    user = sign_in(groups=["xmo-admins"])
    assert Membership.objects.get(user=user).role == "admin"
    sign_in(groups=["staff"])
    assert Membership.objects.get(user=user).role == "admin"
    sign_in(groups=[])
    assert Membership.objects.get(user=user).role == "admin"


def test_people_are_matched_on_issuer_and_subject_not_on_email(acme):
    SsoRoleMapping.objects.create(organisation=acme, group="staff", role="viewer")
    local = UserFactory(username="pat", email="pat@acme.example")
    user = sign_in(groups=["staff"], email_verified=True)
    assert user != local and user.username == "pat-2"
    assert not local.sso_identities.exists()
    again = sign_in(groups=["staff"], preferred_username="patricia")
    assert again == user and SsoIdentity.objects.count() == 1


def test_link_by_email_takes_a_verified_address_only(acme):
    SsoRoleMapping.objects.create(organisation=acme, group="staff", role="viewer")
    local = UserFactory(username="pat.local", email="PAT@acme.example")
    kwargs = {"issuer": ISSUER, "groups_claim": "groups", "link_by_email": True}
    unverified = services.sso_sign_in(
        claims=claims(sub="a", groups=["staff"], email_verified=False), **kwargs
    )
    assert unverified != local
    verified = services.sso_sign_in(
        claims=claims(sub="b", groups=["staff"], email_verified=True), **kwargs
    )
    assert verified == local
    assert AuditEvent.objects.filter(action="user.sso_linked", actor=local).exists()


def test_a_deactivated_person_is_refused(acme):
    SsoRoleMapping.objects.create(organisation=acme, group="staff", role="viewer")
    user = sign_in(groups=["staff"])
    user.is_active = False
    user.save()
    with pytest.raises(services.SsoRefused):
        sign_in(groups=["staff"])


# -- configuration ----------------------------------------------------------------------------


def test_production_accepts_only_https_issuers():
    assert conf.check_issuer("https://id.example.org/realms/x", development=False)
    for issuer in ("http://id.example.org", "http://localhost:8080", "ftp://x", "https://"):
        with pytest.raises(ImproperlyConfigured):
            conf.check_issuer(issuer, development=False)
    assert conf.check_issuer("http://127.0.0.1:8080", development=True)
    with pytest.raises(ImproperlyConfigured):
        conf.check_issuer("http://id.example.org", development=True)


def test_environment_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("XMO_OIDC_ISSUER", "https://id.example.org/")
    monkeypatch.setenv("XMO_OIDC_CLIENT_ID", "xmo")
    monkeypatch.setenv("XMO_OIDC_CLIENT_SECRET", "s")
    monkeypatch.setenv("XMO_OIDC_PROVIDER_NAME", "Acme ID")
    monkeypatch.setenv("XMO_PASSWORD_LOGIN", "0")
    values = conf.sso_settings(development=False)
    assert values["XMO_SSO_ENABLED"] and values["XMO_OIDC_ISSUER"] == "https://id.example.org"
    assert values["OIDC_RP_SCOPES"] == "openid email profile groups"
    assert values["OIDC_USE_PKCE"] and values["OIDC_PKCE_CODE_CHALLENGE_METHOD"] == "S256"
    assert values["OIDC_USE_NONCE"] and not values["XMO_PASSWORD_LOGIN"]

    monkeypatch.setenv("XMO_OIDC_SCOPES", "email profile")
    with pytest.raises(ImproperlyConfigured, match="openid"):
        conf.sso_settings(development=False)
    monkeypatch.delenv("XMO_OIDC_SCOPES")
    monkeypatch.delenv("XMO_OIDC_CLIENT_SECRET")
    with pytest.raises(ImproperlyConfigured, match="CLIENT_SECRET"):
        conf.sso_settings(development=False)
    monkeypatch.delenv("XMO_OIDC_ISSUER")
    with pytest.raises(ImproperlyConfigured, match="nobody could sign in"):
        conf.sso_settings(development=False)
    monkeypatch.setenv("XMO_PASSWORD_LOGIN", "maybe")
    with pytest.raises(ImproperlyConfigured):
        conf.sso_settings(development=False)
