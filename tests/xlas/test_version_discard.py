"""Discarding a draft version, and refusing a target change while a draft is open."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import EvaluationFactory, IndicatorFactory, XLAVersionFactory
from xlas import services
from xlas.models import Indicator, XLAVersion
from xmo.models import AuditEvent
from xmo.periods import local_today

from .conftest import ROLES

pytestmark = pytest.mark.django_db

EDITORS = {"admin", "officer"}
DISCARD = "Discard this draft"
PROPOSE_CHANGE = "Propose a target change"


@pytest.fixture
def draft(users, xla, active_version):
    """Version 2, a draft started from the active version 1 (happiness 70/60)."""
    return services.xla_draft_from_active(actor=users["officer"], xla=xla)


@pytest.fixture
def first_draft(xla):
    version = XLAVersionFactory(xla=xla, number=1, status="draft", effective_from=None)
    IndicatorFactory(version=version, key="happiness")
    return version


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _change(users, xla, **extra):
    return services.xla_propose_change(
        actor=users["officer"],
        xla=xla,
        targets={"happiness": (75.0, 65.0)},
        rationale="The desk improved; raise the bar.",
        effective_from=datetime.date(2026, 10, 1),
        **extra,
    )


# --- service --------------------------------------------------------------------------------


def test_discard_deletes_the_draft_and_its_indicators(users, xla, active_version, draft):
    indicator_ids = list(draft.indicators.values_list("pk", flat=True))
    services.version_discard(actor=users["officer"], version=draft)
    assert not XLAVersion.objects.filter(pk=draft.pk).exists()
    assert not Indicator.objects.filter(pk__in=indicator_ids).exists()
    # The version in force is untouched.
    active_version.refresh_from_db()
    assert active_version.status == "active"
    assert list(active_version.indicators.values_list("key", flat=True)) == ["happiness"]
    assert list(xla.versions.values_list("number", flat=True)) == [1]


def test_discard_is_audited_with_the_draft_as_it_was(users, xla, active_version, draft):
    services.version_discard(actor=users["admin"], version=draft)
    event = AuditEvent.objects.get(action="xla.draft_discarded")
    assert event.actor == users["admin"]
    assert (event.object_type, event.object_id) == ("xlas.xla", str(xla.pk))
    assert event.object_repr == "Service desk happiness v2 (draft, discarded)"
    assert event.before["number"] == 2 and event.before["status"] == "draft"
    assert [i["key"] for i in event.before["indicators"]] == ["happiness"]
    assert event.after is None


def test_discard_refuses_a_version_that_is_not_a_draft(
    users, xla, active_version, proposed_version
):
    for version, label in ((active_version, "active"), (proposed_version, "proposed")):
        with pytest.raises(ValidationError, match=f"is {label}; only a draft can be discarded"):
            services.version_discard(actor=users["officer"], version=version)
    assert xla.versions.count() == 2
    assert not AuditEvent.objects.filter(action="xla.draft_discarded").exists()


def test_discard_refuses_the_first_draft_of_an_xla(users, xla, first_draft):
    with pytest.raises(ValidationError, match="first version and cannot be discarded") as exc:
        services.version_discard(actor=users["officer"], version=first_draft)
    assert exc.value.code == "first_draft"
    assert "Edit the draft instead" in exc.value.messages[0]
    assert xla.versions.get() == first_draft
    assert first_draft.indicators.count() == 1


def test_discard_refuses_a_draft_with_evaluations(users, xla, active_version, draft):
    EvaluationFactory(indicator=draft.indicators.get())
    with pytest.raises(ValidationError, match="has evaluations"):
        services.version_discard(actor=users["officer"], version=draft)
    assert XLAVersion.objects.filter(pk=draft.pk).exists()


def test_after_a_discard_a_new_version_can_start(users, xla, active_version, draft):
    services.version_discard(actor=users["officer"], version=draft)
    again = services.xla_draft_from_active(actor=users["officer"], xla=xla)
    assert (again.number, again.status) == (2, "draft")


# --- the guard on target changes -------------------------------------------------------------


def test_target_change_refused_while_a_draft_is_open(users, xla, active_version, draft):
    with pytest.raises(ValidationError, match="Draft version 2 is open") as exc:
        _change(users, xla)
    assert exc.value.code == "draft_exists"
    assert "Propose that draft" in exc.value.messages[0]
    assert "discard it" in exc.value.messages[0]
    assert list(xla.versions.values_list("status", flat=True)) == ["draft", "active"]
    assert not AuditEvent.objects.filter(action="xla.proposed").exists()


def test_target_change_allowed_once_the_draft_is_discarded(users, xla, active_version, draft):
    services.version_discard(actor=users["officer"], version=draft)
    version = _change(users, xla)
    assert (version.number, version.status) == (2, "proposed")
    assert version.indicators.get().target == 75.0


def test_target_change_page_refuses_while_a_draft_is_open(login, users, xla, active_version, draft):
    client = login(users["officer"])
    url = reverse("xlas:xla_propose_change", args=[xla.pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain == [(reverse("xlas:xla_detail", args=[xla.pk]), 302)]
    assert "Draft version 2 is open" in response.content.decode()
    response = client.post(
        url,
        {
            "rationale": "Raise the bar.",
            "effective_from": "2026-10-01",
            "target__happiness": "75",
            "warning__happiness": "65",
        },
    )
    assert response.status_code == 302
    assert "Draft version 2 is open" in _messages(response)[0]
    assert not xla.versions.filter(status="proposed").exists()


# --- view -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_discard_allowed_only_to_editors(login, users, role, xla, active_version, draft):
    response = login(users[role]).post(reverse("xlas:version_discard", args=[draft.pk]))
    if role in EDITORS:
        assert response.status_code == 302
        assert response["Location"] == reverse("xlas:xla_detail", args=[xla.pk])
        assert _messages(response) == [
            "Draft version 2 discarded; the version in force is unchanged."
        ]
        assert not XLAVersion.objects.filter(pk=draft.pk).exists()
    else:
        assert response.status_code == 403
        assert XLAVersion.objects.filter(pk=draft.pk).exists()


def test_discard_is_post_only(login, users, active_version, draft):
    response = login(users["officer"]).get(reverse("xlas:version_discard", args=[draft.pk]))
    assert response.status_code == 405
    assert XLAVersion.objects.filter(pk=draft.pk).exists()


def test_discard_of_another_organisations_draft_is_404(login, outsider, active_version, draft):
    response = login(outsider).post(reverse("xlas:version_discard", args=[draft.pk]))
    assert response.status_code == 404
    assert XLAVersion.objects.filter(pk=draft.pk).exists()


def test_discard_refusals_are_shown_on_the_xla_page(login, users, xla, first_draft):
    response = login(users["officer"]).post(
        reverse("xlas:version_discard", args=[first_draft.pk]), follow=True
    )
    assert response.redirect_chain == [(reverse("xlas:xla_detail", args=[xla.pk]), 302)]
    assert "first version and cannot be discarded" in response.content.decode()
    assert XLAVersion.objects.filter(pk=first_draft.pk).exists()


# --- pages ----------------------------------------------------------------------------------


def _detail(client, xla):
    return client.get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()


def test_edit_page_offers_the_discard_of_a_later_draft(login, users, active_version, draft):
    body = login(users["officer"]).get(reverse("xlas:version_edit", args=[draft.pk]))
    body = body.content.decode()
    assert DISCARD in body
    assert f'action="{reverse("xlas:version_discard", args=[draft.pk])}"' in body
    assert "Version 1, in force, is not changed." in body


def test_edit_page_of_a_first_draft_offers_no_discard(login, users, first_draft):
    body = login(users["officer"]).get(reverse("xlas:version_edit", args=[first_draft.pk]))
    body = body.content.decode()
    assert DISCARD not in body
    assert reverse("xlas:version_discard", args=[first_draft.pk]) not in body


def test_detail_with_an_open_draft_offers_discard_not_a_target_change(
    login, users, xla, active_version, draft
):
    discard = reverse("xlas:version_discard", args=[draft.pk])
    for role in ROLES:
        body = _detail(login(users[role]), xla)
        assert PROPOSE_CHANGE not in body, role
        assert reverse("xlas:xla_propose_change", args=[xla.pk]) not in body, role
        assert (f'action="{discard}"' in body) == (role in EDITORS), role
        assert ("Discard draft v2" in body) == (role in EDITORS), role
    body = _detail(login(users["officer"]), xla)
    assert "Draft version 2 is open" in body
    assert "A target change can be proposed once no draft is open." in body
    assert f'href="{reverse("xlas:version_edit", args=[draft.pk])}">continue the draft' in body


def test_detail_without_a_draft_offers_a_target_change_and_no_discard(
    login, users, xla, active_version
):
    body = _detail(login(users["officer"]), xla)
    assert PROPOSE_CHANGE in body
    assert "Discard draft" not in body
    assert "/discard/" not in body


def test_detail_of_a_first_draft_offers_no_discard(login, users, xla, first_draft):
    body = _detail(login(users["officer"]), xla)
    assert "Edit draft v1" in body
    assert "Discard draft" not in body and "/discard/" not in body
    assert PROPOSE_CHANGE not in body


def test_review_list_sends_editors_to_the_open_draft(login, users, xla, active_version, draft):
    active_version.review_due = local_today(xla.organisation) + datetime.timedelta(days=10)
    active_version.save()
    body = login(users["officer"]).get(reverse("xlas:review_list")).content.decode()
    assert reverse("xlas:version_edit", args=[draft.pk]) in body
    assert "Continue the open draft" in body
    assert reverse("xlas:xla_propose_change", args=[xla.pk]) not in body
    body = login(users["viewer"]).get(reverse("xlas:review_list")).content.decode()
    assert "Draft being prepared" in body
    assert reverse("xlas:version_edit", args=[draft.pk]) not in body


def test_discard_through_the_pages(login, users, xla, active_version):
    officer = login(users["officer"])
    officer.post(reverse("xlas:xla_new_draft", args=[xla.pk]))
    draft = xla.versions.get(status="draft")
    assert PROPOSE_CHANGE not in _detail(officer, xla)
    response = officer.post(reverse("xlas:version_discard", args=[draft.pk]), follow=True)
    body = response.content.decode()
    assert "Draft version 2 discarded" in body
    assert PROPOSE_CHANGE in body and "Edit draft v2" not in body
    # The XLA's change log says which draft went.
    assert "xla.draft_discarded" in body and "v2 (draft, discarded)" in body
