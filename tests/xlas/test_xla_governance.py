"""Creating, editing, proposing, approving and rejecting XLA versions."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.factories import IndicatorFactory, OperationalMetricFactory, XLAVersionFactory
from xlas import services
from xlas.models import XLA, XLAVersion
from xmo.jobs import run_job
from xmo.models import AuditEvent, Notification

from .conftest import ROLES

pytestmark = pytest.mark.django_db

EDITORS = {"admin", "officer"}
APPROVERS = {"admin", "leader"}


def _indicator_data(prefix="ind-0", **overrides):
    data = {
        f"{prefix}-name": "Happiness",
        f"{prefix}-key": "",
        f"{prefix}-kind": "sentiment",
        f"{prefix}-measure": "happiness",
        f"{prefix}-metric": "",
        f"{prefix}-aggregation": "",
        f"{prefix}-direction": "higher",
        f"{prefix}-target": "70",
        f"{prefix}-warning": "60",
        f"{prefix}-weight": "1",
        f"{prefix}-period": "month",
        f"{prefix}-min_sample": "30",
        f"{prefix}-consecutive_misses": "2",
    }
    data.update({f"{prefix}-{k}": v for k, v in overrides.items()})
    return data


def _create_post(service, **indicator_overrides):
    return {
        "name": "Laptop experience",
        "description": "People can work on their laptops without losing time.",
        "owner": "",
        "services": [service.pk],
        "review_due": "2027-06-30",
        "rationale": "Baseline 2025: +62.",
        "ind-TOTAL_FORMS": "1",
        "ind-INITIAL_FORMS": "0",
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "1000",
        **_indicator_data(**indicator_overrides),
    }


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_create_xla_allowed_only_to_editors(login, users, role, service):
    client = login(users[role])
    get = client.get(reverse("xlas:xla_create"))
    post = client.post(reverse("xlas:xla_create"), _create_post(service))
    if role in EDITORS:
        assert get.status_code == 200
        assert post.status_code == 302
        xla = XLA.objects.get(name="Laptop experience")
        version = xla.versions.get()
        assert (version.number, version.status) == (1, "draft")
        assert version.review_due == datetime.date(2027, 6, 30)
        indicator = version.indicators.get()
        assert (indicator.key, indicator.target, indicator.warning) == ("happiness", 70, 60)
        assert list(xla.services.all()) == [service]
        assert AuditEvent.objects.filter(action="xla.created", object_id=str(xla.pk)).exists()
    else:
        assert get.status_code == 403
        assert post.status_code == 403
        assert not XLA.objects.exists()


def test_create_rejects_warning_on_the_good_side(login, users, service):
    response = login(users["officer"]).post(
        reverse("xlas:xla_create"), _create_post(service, warning="80")
    )
    assert response.status_code == 400
    assert "warning level must be at or below target" in response.content.decode()
    assert not XLA.objects.exists()


def test_create_rejects_inconsistent_kind_fields(login, users, service):
    response = login(users["officer"]).post(
        reverse("xlas:xla_create"), _create_post(service, kind="operational")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose the operational metric." in body
    assert "Choose how samples are aggregated." in body
    assert not XLA.objects.exists()


def test_create_operational_indicator(login, users, org_a, service):
    metric = OperationalMetricFactory(organisation=org_a, slug="resolution-time")
    post = _create_post(
        service,
        kind="operational",
        measure="",
        metric=str(metric.pk),
        aggregation="p90",
        direction="lower",
        target="8",
        warning="10",
    )
    response = login(users["officer"]).post(reverse("xlas:xla_create"), post)
    assert response.status_code == 302
    indicator = XLA.objects.get().versions.get().indicators.get()
    assert (indicator.metric, indicator.aggregation, indicator.measure) == (metric, "p90", "")


def test_create_needs_an_indicator_and_unique_name(login, users, service, xla):
    post = _create_post(service)
    post["name"] = xla.name
    post["ind-TOTAL_FORMS"] = "0"
    body = login(users["officer"]).post(reverse("xlas:xla_create"), post).content.decode()
    assert "Another XLA already has this name." in body
    assert "Add at least one indicator." in body


def test_create_form_cannot_pick_another_organisations_metric(login, users, org_b, service):
    foreign = OperationalMetricFactory(organisation=org_b, slug="theirs")
    post = _create_post(
        service, kind="operational", measure="", metric=str(foreign.pk), aggregation="mean"
    )
    response = login(users["officer"]).post(reverse("xlas:xla_create"), post)
    assert response.status_code == 400
    assert not XLA.objects.exists()


# --- edit drafts ----------------------------------------------------------------------------


@pytest.fixture
def draft(xla):
    version = XLAVersionFactory(xla=xla, number=1, status="draft", effective_from=None)
    IndicatorFactory(version=version, key="happiness", target=70, warning=60)
    return version


def _edit_post(service, draft, **overrides):
    post = _create_post(service, key="happiness", **overrides)
    post["name"] = draft.xla.name
    post["ind-INITIAL_FORMS"] = "1"
    return post


@pytest.mark.parametrize("role", ROLES)
def test_edit_draft_allowed_only_to_editors(login, users, role, service, draft):
    client = login(users[role])
    url = reverse("xlas:version_edit", args=[draft.pk])
    get = client.get(url)
    post = client.post(url, _edit_post(service, draft, target="72", warning="65"))
    indicator = draft.indicators.get()
    if role in EDITORS:
        assert get.status_code == 200
        assert post.status_code == 302
        assert (indicator.target, indicator.warning) == (72, 65)
        assert AuditEvent.objects.filter(action="xla.draft_updated").exists()
    else:
        assert (get.status_code, post.status_code) == (403, 403)
        assert indicator.target == 70


def test_active_version_cannot_be_edited(login, users, service, active_version):
    client = login(users["officer"])
    response = client.post(
        reverse("xlas:version_edit", args=[active_version.pk]),
        _edit_post(service, active_version, target="10", warning="5"),
    )
    assert response.status_code == 302
    assert active_version.indicators.get().target == 70


def test_edit_page_has_no_propose_form_for_member(login, users, draft):
    # Members cannot even open the edit page; officers see the propose form.
    body = login(users["officer"]).get(reverse("xlas:version_edit", args=[draft.pk]))
    assert reverse("xlas:version_propose", args=[draft.pk]) in body.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_propose_draft(login, users, role, draft):
    response = login(users[role]).post(
        reverse("xlas:version_propose", args=[draft.pk]),
        {"rationale": "First commitment.", "effective_from": "2026-12-01"},
    )
    draft.refresh_from_db()
    if role in EDITORS:
        assert response.status_code == 302
        assert draft.status == "proposed"
        assert draft.proposed_by == users[role]
        assert draft.effective_from == datetime.date(2026, 12, 1)
    else:
        assert response.status_code == 403
        assert draft.status == "draft"


# --- propose a target change -----------------------------------------------------------------


def _change_post(**overrides):
    data = {
        "rationale": "Four quarters above target; raise the bar.",
        "effective_from": "2026-10-01",
        "target__happiness": "75",
        "warning__happiness": "65",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_propose_change_allowed_only_to_officers_and_admins(
    login, users, role, xla, active_version
):
    client = login(users[role])
    url = reverse("xlas:xla_propose_change", args=[xla.pk])
    get = client.get(url)
    post = client.post(url, _change_post())
    if role in EDITORS:
        assert get.status_code == 200
        assert post.status_code == 302
        proposed = xla.versions.get(status="proposed")
        assert proposed.number == 2
        assert proposed.effective_from == datetime.date(2026, 10, 1)
        assert proposed.proposed_by == users[role]
        indicator = proposed.indicators.get()
        assert (indicator.key, indicator.target, indicator.warning) == ("happiness", 75, 65)
        # The active version is untouched until approval.
        active_version.refresh_from_db()
        assert active_version.status == "active"
        assert active_version.indicators.get().target == 70
    else:
        assert (get.status_code, post.status_code) == (403, 403)
        assert not xla.versions.filter(status="proposed").exists()


def test_propose_change_notifies_owner_and_leaders_and_audits(
    login, users, xla, active_version, mailoutbox
):
    login(users["officer"]).post(reverse("xlas:xla_propose_change", args=[xla.pk]), _change_post())
    recipients = set(
        Notification.objects.filter(kind="xla_proposed").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"a-officer", "a-leader"}  # the owner is the officer here
    run_job("send_notification_emails")  # e-mail goes from the job, not the request
    assert any("target change to approve" in m.subject for m in mailoutbox)
    event = AuditEvent.objects.get(action="xla.proposed")
    assert event.before["indicators"][0]["target"] == 70
    assert event.after["indicators"][0]["target"] == 75


def test_propose_change_validates(login, users, xla, active_version):
    client = login(users["officer"])
    url = reverse("xlas:xla_propose_change", args=[xla.pk])
    response = client.post(url, _change_post(warning__happiness="80"))
    assert response.status_code == 400
    assert "Must be at or below the target." in response.content.decode()
    response = client.post(url, _change_post(target__happiness="70", warning__happiness="60"))
    assert "Change at least one target" in response.content.decode()
    response = client.post(url, _change_post(rationale=""))
    assert response.status_code == 400
    assert not xla.versions.filter(status="proposed").exists()


def test_only_one_proposal_at_a_time(login, users, xla, proposed_version):
    response = login(users["officer"]).post(
        reverse("xlas:xla_propose_change", args=[xla.pk]), _change_post()
    )
    assert response.status_code == 302
    assert xla.versions.filter(status="proposed").count() == 1


# --- approve and reject ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_approve_allowed_only_to_leaders_and_admins(
    login, users, role, active_version, proposed_version
):
    response = login(users[role]).post(
        reverse("xlas:version_approve", args=[proposed_version.pk]),
        {"effective_from": "2026-10-01", "note": "Agreed."},
    )
    proposed_version.refresh_from_db()
    active_version.refresh_from_db()
    if role in APPROVERS:
        assert response.status_code == 302
        assert proposed_version.status == "active"
        assert proposed_version.effective_from == datetime.date(2026, 10, 1)
        assert proposed_version.approved_by == users[role]
        assert proposed_version.approved_at is not None
        assert proposed_version.decision_note == "Agreed."
        assert active_version.status == "retired"
        assert active_version.effective_to == datetime.date(2026, 10, 1)
    else:
        assert response.status_code == 403
        assert proposed_version.status == "proposed"
        assert active_version.status == "active"


def test_approve_buttons_shown_only_to_approvers(login, users, proposed_version):
    url = reverse("xlas:version_detail", args=[proposed_version.pk])
    approve = reverse("xlas:version_approve", args=[proposed_version.pk])
    for role in ROLES:
        body = login(users[role]).get(url).content.decode()
        assert (approve in body) == (role in APPROVERS), role


def test_approve_date_must_follow_current_version(login, users, active_version, proposed_version):
    response = login(users["leader"]).post(
        reverse("xlas:version_approve", args=[proposed_version.pk]),
        {"effective_from": "2025-12-31"},
    )
    assert response.status_code == 400
    assert "must be after the current version" in response.content.decode()
    proposed_version.refresh_from_db()
    assert proposed_version.status == "proposed"
    assert XLAVersion.objects.filter(status="active").count() == 1


def test_approve_requires_a_date(login, users, proposed_version):
    response = login(users["leader"]).post(
        reverse("xlas:version_approve", args=[proposed_version.pk]), {"effective_from": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_approve_notifies_and_audits(login, users, active_version, proposed_version, mailoutbox):
    login(users["admin"]).post(
        reverse("xlas:version_approve", args=[proposed_version.pk]),
        {"effective_from": "2026-10-01"},
    )
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"xla.approved", "xla.retired"} <= actions
    approved = AuditEvent.objects.get(action="xla.approved")
    assert approved.before["status"] == "proposed" and approved.after["status"] == "active"
    notified = set(
        Notification.objects.filter(kind="xla_approved").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"a-officer", "a-leader"} <= notified
    run_job("send_notification_emails")  # e-mail goes from the job, not the request
    assert any("XLA approved" in m.subject for m in mailoutbox)


def test_first_version_approval_without_previous(login, users, draft):
    services.version_propose(
        actor=users["officer"], version=draft, rationale="r", effective_from=None
    )
    login(users["leader"]).post(
        reverse("xlas:version_approve", args=[draft.pk]), {"effective_from": "2026-01-01"}
    )
    draft.refresh_from_db()
    assert draft.status == "active" and draft.effective_to is None


def test_second_approval_cannot_happen(login, users, active_version, proposed_version):
    client = login(users["leader"])
    url = reverse("xlas:version_approve", args=[proposed_version.pk])
    client.post(url, {"effective_from": "2026-10-01"})
    response = client.post(url, {"effective_from": "2026-11-01"})
    assert response.status_code == 400
    assert "Only a proposed version can be approved." in response.content.decode()
    assert XLAVersion.objects.filter(status="active").count() == 1


def test_database_allows_one_active_version_only(xla, active_version):
    with pytest.raises(IntegrityError), transaction.atomic():
        XLAVersionFactory(xla=xla, number=9, status="active")


@pytest.mark.parametrize("role", ROLES)
def test_reject(login, users, role, active_version, proposed_version, mailoutbox):
    response = login(users[role]).post(
        reverse("xlas:version_reject", args=[proposed_version.pk]),
        {"note": "Targets too aggressive for the migration quarter."},
    )
    proposed_version.refresh_from_db()
    if role in APPROVERS:
        assert response.status_code == 302
        assert proposed_version.status == "rejected"
        assert proposed_version.decision_note.startswith("Targets too aggressive")
        assert AuditEvent.objects.filter(action="xla.rejected").exists()
        assert Notification.objects.filter(kind="xla_rejected").exists()
        active_version.refresh_from_db()
        assert active_version.status == "active"
    else:
        assert response.status_code == 403
        assert proposed_version.status == "proposed"


def test_reject_needs_a_note(login, users, proposed_version):
    response = login(users["leader"]).post(
        reverse("xlas:version_reject", args=[proposed_version.pk]), {"note": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    proposed_version.refresh_from_db()
    assert proposed_version.status == "proposed"


def test_get_on_write_endpoints_is_not_allowed(login, users, proposed_version):
    client = login(users["admin"])
    for name in ("version_approve", "version_reject", "version_propose"):
        assert client.get(reverse(f"xlas:{name}", args=[proposed_version.pk])).status_code == 405


def test_change_log_shows_on_page(login, users, xla, active_version, proposed_version):
    client = login(users["leader"])
    client.post(
        reverse("xlas:version_approve", args=[proposed_version.pk]),
        {"effective_from": "2026-10-01"},
    )
    body = client.get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert "xla.approved" in body and "xla.retired" in body
    assert "a-leader" in body
    run_job("send_notification_emails")  # e-mail goes from the job, not the request
    assert len(mail.outbox) >= 1


def test_draft_cannot_be_proposed_while_another_proposal_waits(login, users, xla, proposed_version):
    draft = XLAVersionFactory(xla=xla, number=3, status="draft")
    IndicatorFactory(version=draft, key="happiness")
    response = login(users["officer"]).post(
        reverse("xlas:version_propose", args=[draft.pk]),
        {"rationale": "Another idea.", "effective_from": "2026-12-01"},
        follow=True,
    )
    assert "A proposal is already waiting for approval." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
