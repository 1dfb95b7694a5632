"""Log-in hardening, CSRF, security headers and the Content-Security-Policy."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests.factories.xmo import TEST_PASSWORD


@pytest.fixture
def officer(users):
    return users["officer"]


def test_login_form_signs_in_and_rotates_session(officer, settings):
    settings.AXES_ENABLED = True
    client = Client()
    client.get("/login/")
    client.session.save()
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    response = client.post("/login/", {"username": officer.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after and after != before
    assert client.get("/").status_code == 200


def test_lockout_after_repeated_failures(officer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": officer.username, "password": "wrong-pass"})
        assert response.status_code in (200, 429)
    # Even the right password is refused while locked out.
    response = client.post("/login/", {"username": officer.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_csrf_enforced_on_session_writes(officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post("/logout/")
    assert response.status_code == 403
    response = client.post("/switch/", {"organisation": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize("password", ["short", "password123", "1234567890123"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_strong_password_accepted():
    validate_password("a-long-and-unusual-passphrase-42")


@pytest.mark.django_db
def test_security_headers_and_csp(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'nonce-" in directives["script-src"]
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_every_script_on_a_page_carries_the_nonce(officer, login):
    import re

    response = login(officer).get("/")
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    for tag in scripts:
        if 'type="application/json"' in tag:
            continue  # json_script data blocks are not executed
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handlers break the CSP"
