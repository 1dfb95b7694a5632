"""Navigation by role: each role sees the sections it may use, and the server agrees."""

import re

import pytest
from django.urls import reverse

from xmo.roles import can

from .conftest import ROLES

pytestmark = pytest.mark.django_db

NAV_LINKS = {
    "/feedback/": "view_feedback",
    "/experience/drops/": "view_score_drops",
    "/xlas/breaches/": "view_breaches",
    "/xlas/": "view_xlas",
    "/meetings/": "view_meetings",
    "/reports/": "view_published_reports",
    "/settings/": "manage_organisation",
}
# Pages of this workspace: every nav link to them must open, every hidden one must refuse.
OWN_PAGES = {"/experience/drops/", "/xlas/breaches/", "/xlas/"}


def _nav_links(html: str) -> set[str]:
    nav = re.search(r'<nav id="main-nav".*?</nav>', html, re.S).group(0)
    return set(re.findall(r'href="([^"]+)"', nav))


@pytest.mark.parametrize("role", ROLES)
def test_nav_matches_capabilities(login, users, role):
    client = login(users[role])
    membership = users[role].memberships.get()
    links = _nav_links(client.get(reverse("home")).content.decode())
    for href, capability in NAV_LINKS.items():
        assert (href in links) == can(membership, capability), (role, href)
        if href in OWN_PAGES:
            expected = 200 if can(membership, capability) else 403
            assert client.get(href).status_code == expected, (role, href)


def test_viewer_sees_no_score_drops_link_and_is_refused(login, users):
    client = login(users["viewer"])
    assert "/experience/drops/" not in _nav_links(client.get("/xlas/").content.decode())
    response = client.get("/experience/drops/")
    assert response.status_code == 403
    assert "may not view score drops" in response.content.decode()


def test_current_section_is_marked(login, users, xla):
    client = login(users["officer"])
    html = client.get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert re.search(r'href="/xlas/"\s+aria-current="page"', html)
    html = client.get(reverse("xlas:breach_list")).content.decode()
    assert re.search(r'href="/xlas/breaches/"\s+aria-current="page"', html)
    assert not re.search(r'href="/xlas/"\s+aria-current="page"', html)


@pytest.mark.parametrize("role", ROLES)
def test_xla_action_buttons_follow_role(login, users, role, xla, active_version):
    membership = users[role].memberships.get()
    html = login(users[role]).get(reverse("xlas:xla_list")).content.decode()
    assert (reverse("xlas:xla_create") in html) == can(membership, "edit_xla_drafts")
    html = login(users[role]).get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    propose = reverse("xlas:xla_propose_change", args=[xla.pk])
    assert (propose in html) == can(membership, "propose_xla_change")
