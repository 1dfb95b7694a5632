import pytest


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# The section each role's home page opens with (reports/home.py; tests/reports/test_home.py).
HOME_SECTION = {
    "admin": b"Your work queue",
    "officer": b"Your work queue",
    "member": b"Your next meeting and actions",
    "leader": b"at a glance",
    "service_owner": b"Your services",
    "viewer": b"at a glance",
}


def test_home_shows_each_role_its_section(users, login):
    for role, user in users.items():
        response = login(user).get("/")
        assert response.status_code == 200, role
        assert HOME_SECTION[role] in response.content, role


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
