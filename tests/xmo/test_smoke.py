import pytest


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_home_shows_figures_for_each_role(users, login):
    for role, user in users.items():
        response = login(user).get("/")
        assert response.status_code == 200, role
        assert b"Happiness" in response.content


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
