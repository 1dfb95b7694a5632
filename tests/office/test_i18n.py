"""The office pages in German, and English by default."""

import pytest

from tests.factories import ObjectiveFactory, OfficeFactory, ServiceFactory

pytestmark = pytest.mark.django_db
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def office(org_a):
    ServiceFactory(organisation=org_a, name="Service desk", slug="service-desk")
    ObjectiveFactory(organisation=org_a, title="Fewer lost hours")
    return OfficeFactory(organisation=org_a, mission="Listen, act, show the difference.")


def test_office_overview_in_german(users, login, office):
    html = login(users["admin"]).get("/office/", **DE).content.decode()
    assert '<html lang="de">' in html
    assert "Das Experience Management Office" in html
    assert "Taskforce (Pilot)" in html and "Dauerhaftes XMO" in html
    assert "Services im Geltungsbereich" in html
    assert "Daten fließen seit 4 Wochen" in html
    assert "Verantwortliche Person benannt" in html
    assert "Rollen schriftlich" in html
    assert "Listen, act, show the difference." in html  # the mission is data
    assert "Fewer lost hours" in html


def test_office_sub_pages_in_german(users, login, office):
    client = login(users["admin"])
    assert "Personen und Schulung" in client.get("/office/people/", **DE).content.decode()
    html = client.get("/office/roles/", **DE).content.decode()
    assert "Aufgabe hinzufügen" in html
    html = client.get("/office/objectives/", **DE).content.decode()
    assert "Neues Ziel" in html and "Letzte Überprüfung" in html


def test_a_message_in_german(users, login, office):
    response = login(users["admin"]).post(
        "/office/mission/", {"mission": "Zuhören, handeln, zeigen."}, follow=True, **DE
    )
    assert "Mission gespeichert." in response.content.decode()


def test_english_stays_the_default(users, login, office):
    html = login(users["admin"]).get("/office/").content.decode()
    assert '<html lang="en-gb">' in html
    assert "The Experience Management Office" in html
    assert "Data flowing for 4 weeks" in html
