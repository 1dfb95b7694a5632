"""Languages: German pages from Accept-Language, a person's own language preference (which wins
over the browser), German number formats, notifications written in each recipient's language,
and English as the default."""

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_lazy

from tests.factories import MembershipFactory, UserFactory
from tests.factories.xmo import prefer_language
from xmo.i18n import SESSION_KEY, later, user_language
from xmo.models import AuditEvent, Notification, UserPreference
from xmo.notifying import notify, send_notification_emails
from xmo.services import api_token_create
from xmo.templatetags.xmo_format import p_value, points, with_unit

PREFS_URL = "/notifications/preferences/"


# -- pages -------------------------------------------------------------------------------------


def test_english_is_the_default(users, login):
    response = login(users["member"]).get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mark all read" in html or "No notifications" in html
    assert "Benachrichtigungen" not in html
    assert response["Content-Language"] == "en-gb"


def test_accept_language_de_renders_german(users, login):
    client = login(users["member"])
    response = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Keine Benachrichtigungen" in html
    assert response["Content-Language"] == "de"


def test_settings_pages_in_german(users, login):
    client = login(users["admin"])
    html = client.get("/settings/members/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Mitglied hinzufügen" in html
    assert "Organisations-Admin" in html  # the role's label
    html = client.get("/settings/jobs/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Alle Jobs jetzt ausführen" in html


def test_dates_follow_the_language(users, login, org_a):
    api_token_create(organisation=org_a, name="itsm", scopes=["read"], actor=users["admin"])
    client = login(users["admin"])
    html = client.get("/settings/tokens/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert re.search(r"erstellt am \d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4} von a-admin", html)
    html = client.get("/settings/tokens/").content.decode()
    assert re.search(r"created \d{1,2} [A-Z][a-z]{2} \d{4} by a-admin", html)


def test_preference_de_wins_over_accept_language_en(users, login):
    member = users["member"]
    prefer_language(member, "de")
    client = login(member)  # signing in copies the preference into the session
    assert client.session[SESSION_KEY] == "de"
    response = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Keine Benachrichtigungen" in response.content.decode()
    assert response["Content-Language"] == "de"


def test_blank_preference_follows_accept_language(users, login):
    member = users["member"]
    prefer_language(member, "")
    client = login(member)
    assert SESSION_KEY not in client.session
    assert "Keine Benachrichtigungen" in client.get(
        "/notifications/", HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode("utf-8")
    response = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert "No notifications" in response.content.decode()
    assert response["Content-Language"] == "en-gb"


def test_signed_out_pages_follow_accept_language(client, db):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Benutzername" in html and "Passwort" in html


# -- the preference form -----------------------------------------------------------------------


def test_preference_form_shows_the_language_field(users, login):
    html = login(users["member"]).get(PREFS_URL).content.decode()
    assert 'name="language"' in html
    assert "Deutsch" in html and "Your browser&#x27;s language" in html


def test_preference_form_saves_audits_and_switches_at_once(users, login, org_a):
    member = users["member"]
    client = login(member)
    response = client.post(PREFS_URL, {"form": "language", "language": "de"})
    assert response.status_code == 302
    assert user_language(member) == "de"
    event = AuditEvent.objects.get(action="user.language_changed")
    assert event.actor == member and event.organisation == org_a
    assert event.before == {"language": ""} and event.after == {"language": "de"}
    page = client.get(PREFS_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sprache gespeichert." in page
    assert "Benachrichtigungseinstellungen" in page

    # Saving the same choice again writes no event; blank goes back to the browser's language.
    client.post(PREFS_URL, {"form": "language", "language": "de"})
    assert AuditEvent.objects.filter(action="user.language_changed").count() == 1
    client.post(PREFS_URL, {"form": "language", "language": ""})
    assert user_language(member) == ""
    assert AuditEvent.objects.filter(action="user.language_changed").count() == 2
    page = client.get(PREFS_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Notification preferences" in page


def test_preference_form_refuses_an_unknown_language(users, login):
    member = users["member"]
    response = login(member).post(PREFS_URL, {"form": "language", "language": "xx"})
    assert response.status_code == 400
    assert not UserPreference.objects.filter(user=member).exists()
    assert not AuditEvent.objects.filter(action="user.language_changed").exists()


def test_channel_form_still_saves_without_touching_the_language(users, login):
    member = users["member"]
    prefer_language(member, "de")
    response = login(member).post(PREFS_URL, {"kind:breach": "in_app"})
    assert response.status_code == 302
    assert user_language(member) == "de"


# -- numbers -----------------------------------------------------------------------------------


def test_numbers_follow_the_language():
    assert with_unit(1234.5, "points") == "1,234.5 points"
    assert with_unit(12.5, "%") == "12.5 %"
    assert p_value(0.01234) == "p = 0.0123"
    with translation.override("de"):
        assert with_unit(1234.5, "points") == "1.234,5 Punkte"
        assert with_unit(12.5, "%") == "12,5 %"
        assert with_unit(19074.25, "crashes/100") == "19.074,2 crashes/100"
        assert points(-3.1, "signed") == "\u22123,1 Punkte"
        assert p_value(0.01234) == "p = 0,0123"


# -- notifications -----------------------------------------------------------------------------


@pytest.fixture
def two_readers(org_a):
    german = UserFactory(username="greta", email="greta@example.org")
    english = UserFactory(username="eddie", email="eddie@example.org")
    for user in (german, english):
        MembershipFactory(user=user, organisation=org_a, role="member")
    prefer_language(german, "de")
    return german, english


def test_notifications_are_written_in_each_recipients_language(org_a, two_readers):
    german, english = two_readers
    # The sender's own language does not matter.
    with translation.override("de"):
        notify(
            organisation=org_a,
            recipients=[german, english],
            kind="breach",
            title=gettext_lazy("An XLA is breached"),
            body=later(gettext_lazy("Now working in %(org)s."), org=org_a.name),
            dedupe_key="i18n-test",
        )
    de_note = Notification.objects.get(recipient=german)
    en_note = Notification.objects.get(recipient=english)
    assert de_note.title == "Ein XLA ist verletzt"
    assert de_note.body == "Sie arbeiten jetzt in Organisation A."
    assert en_note.title == "An XLA is breached"
    assert en_note.body == "Now working in Organisation A."

    send_notification_emails(org_a)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["greta@example.org"] == "[XMO] Ein XLA ist verletzt"
    assert subjects["eddie@example.org"] == "[XMO] An XLA is breached"
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Sie arbeiten jetzt in Organisation A." in bodies["greta@example.org"]
    assert (
        "Sie erhalten diese E-Mail aufgrund Ihrer Benachrichtigungseinstellungen"
        in (bodies["greta@example.org"])
    )
    assert (
        "You receive this e-mail because of your notification preferences in Organisation A"
        in (bodies["eddie@example.org"])
    )


def test_plain_text_notifications_are_stored_as_given(org_a, two_readers):
    german, _english = two_readers
    notify(
        organisation=org_a,
        recipients=[german],
        kind="breach",
        title="Written by the caller",
        dedupe_key="plain",
    )
    assert Notification.objects.get(recipient=german).title == "Written by the caller"


# -- the API -----------------------------------------------------------------------------------


def test_api_follows_accept_language(client, org_a):
    _token, raw = api_token_create(organisation=org_a, name="itsm", scopes=["ingest"])
    auth = {"HTTP_AUTHORIZATION": "Bearer not-a-token"}
    english = client.get("/api/v1/services/", **auth)
    assert english.json()["detail"] == "Invalid or revoked token."
    german = client.get("/api/v1/services/", HTTP_ACCEPT_LANGUAGE="de", **auth)
    assert german.json()["detail"] == "Ungültiges oder widerrufenes Token."
    assert german["Content-Language"] == "de"
    scoped = client.get(
        "/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert scoped.status_code == 403
    assert scoped.json()["detail"] == "Diesem Token fehlt der Bereich 'read'."
