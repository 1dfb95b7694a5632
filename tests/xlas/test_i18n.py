"""The XLA pages in German (Accept-Language: de) and still in English by default."""

import pytest
from django.urls import reverse
from django.utils import translation

from xlas.choices import period_adverb, period_of

pytestmark = pytest.mark.django_db
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


def test_xla_list_in_german(login, users, xla, evaluations):
    page = login(users["officer"]).get(reverse("xlas:xla_list"), **DE).content.decode()
    assert '<html lang="de">' in page
    assert "Experience Level Agreements" in page
    assert "Zur Überprüfung fällig" in page
    assert "Neues XLA" in page
    assert "Verantwortlich" in page


def test_xla_detail_in_german_with_german_numbers(login, users, xla, evaluations):
    page = login(users["officer"]).get(reverse("xlas:xla_detail", args=[xla.pk]), **DE)
    html = page.content.decode()
    assert "Score nach Monat" in html
    assert "Indikatoren" in html
    assert "Versionsverlauf" in html
    assert "Änderungsprotokoll" in html
    # The indicator's weight and levels use the German decimal comma.
    assert "Gewicht 1,0" in html
    assert "Zielwert 70,0" in html
    assert "Verletzung nach 2 verfehlten Zeiträumen" in html
    assert "monatlich" in html
    assert "September 2026" in html


def test_breach_page_in_german(login, users, breach):
    html = (
        login(users["officer"])
        .get(reverse("xlas:breach_detail", args=[breach.pk]), **DE)
        .content.decode()
    )
    assert "Happiness hat den Zielwert verfehlt" in html
    assert "Monat ab 1 Sep 2026" in html
    assert "Schweregrad" in html and "Hoch" in html
    assert "Eskalationsstufe 1" in html
    assert "69,0" in html and "70,0" in html
    assert "Untersuchung speichern" in html
    assert "missed its target" not in html
    # The chart's legend and its own number format follow the language too.
    assert '"name": "Wert"' in html and '"separators": ",."' in html


def test_breach_list_and_a_message_in_german(login, users, breach):
    client = login(users["officer"])
    html = client.get(reverse("xlas:breach_list"), **DE).content.decode()
    assert "XLA-Verletzungen" in html
    assert "Monat ab 1 Sep 2026" in html
    response = client.post(reverse("xlas:breach_acknowledge", args=[breach.pk]), follow=True, **DE)
    assert "Verletzung bestätigt; die Eskalation an die Führung ist gestoppt." in (
        response.content.decode()
    )


def test_english_stays_the_default(login, users, xla, evaluations, breach):
    client = login(users["officer"])
    html = client.get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert "Score by month" in html
    assert "weight 1.0" in html
    assert "breach after 2 missed periods" in html
    assert "· monthly ·" in html
    html = client.get(reverse("xlas:breach_detail", args=[breach.pk])).content.decode()
    assert "Happiness missed its target" in html
    assert "month of 1 Sep 2026" in html
    assert '"name": "Value"' in html and "separators" not in html


def test_period_words_follow_the_language(breach):
    assert period_adverb("week") == "weekly"
    assert breach.period_title == "Month of 1 Sep 2026"
    with translation.override("de"):
        assert period_adverb("quarter") == "vierteljährlich"
        assert period_of("week", breach.period_start) == "Woche ab 1 Sep 2026"
