import pytest

pytestmark = pytest.mark.django_db


def test_pages_render(login, users, xla, breach, proposed_version, drop, drop_comments):
    client = login(users["officer"])
    for url in [
        "/xlas/",
        f"/xlas/{xla.pk}/",
        "/xlas/review/",
        "/xlas/new/",
        f"/xlas/versions/{proposed_version.pk}/",
        "/xlas/breaches/",
        f"/xlas/breaches/{breach.pk}/",
        "/experience/drops/",
        f"/experience/drops/{drop.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
