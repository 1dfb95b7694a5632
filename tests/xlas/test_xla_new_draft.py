"""Starting a new draft version from the active one, to change an XLA's set of indicators."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from experience.models import SurveyResponse
from experience.rollups import process_new
from tests.factories import IndicatorFactory, XLAVersionFactory, enqueue_responses
from xlas import services
from xlas.breaches import flag_breaches
from xlas.evaluation import evaluate_org
from xlas.models import Breach, Evaluation, XLAScore
from xmo.models import AuditEvent
from xmo.services import snapshot

from .conftest import ROLES

pytestmark = pytest.mark.django_db

EDITORS = {"admin", "officer"}
BUTTON = "Start a new version (edit indicators)"
INDICATOR_FIELDS = services.INDICATOR_FIELDS


@pytest.fixture
def active(xla, active_version):
    """Version 1 in force with two indicators: happiness and effort."""
    active_version.review_due = datetime.date(2027, 3, 31)
    active_version.baseline_start = datetime.date(2025, 1, 1)
    active_version.baseline_end = datetime.date(2025, 12, 31)
    active_version.rationale = "First commitment."
    active_version.save()
    IndicatorFactory(
        version=active_version,
        key="effort",
        name="Effort",
        measure="avg_score",
        target=7,
        warning=6,
        weight=2,
        period="quarter",
        min_sample=50,
        consecutive_misses=3,
        order=1,
    )
    return active_version


def _keys(version):
    return [i.key for i in version.indicators.order_by("order", "id")]


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- service --------------------------------------------------------------------------------


def test_draft_copies_the_active_version(users, xla, active):
    draft = services.xla_draft_from_active(actor=users["officer"], xla=xla)
    assert (draft.number, draft.status) == (2, "draft")
    assert draft.review_due == datetime.date(2027, 3, 31)
    assert (draft.baseline_start, draft.baseline_end) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    assert draft.rationale == ""
    assert draft.effective_from is None and draft.proposed_by is None
    copied = [snapshot(i, INDICATOR_FIELDS) for i in draft.indicators.order_by("order")]
    original = [snapshot(i, INDICATOR_FIELDS) for i in active.indicators.order_by("order")]
    assert copied == original
    assert _keys(draft) == ["happiness", "effort"]
    # The active version is untouched and stays in force.
    active.refresh_from_db()
    assert active.status == "active" and active.indicators.count() == 2


def test_draft_is_numbered_after_every_earlier_version(users, xla, active):
    XLAVersionFactory(xla=xla, number=2, status="rejected", effective_from=None)
    draft = services.xla_draft_from_active(actor=users["admin"], xla=xla)
    assert draft.number == 3


def test_draft_start_is_audited(users, xla, active):
    draft = services.xla_draft_from_active(actor=users["officer"], xla=xla)
    event = AuditEvent.objects.get(action="xla.draft_started")
    assert event.object_type == "xlas.xlaversion" and event.object_id == str(draft.pk)
    assert event.actor == users["officer"]
    assert event.before["number"] == 1 and event.before["status"] == "active"
    assert event.after["number"] == 2 and event.after["status"] == "draft"
    assert [i["key"] for i in event.after["indicators"]] == ["happiness", "effort"]
    assert event.after["indicators"] == event.before["indicators"]


def test_draft_refused_without_an_active_version(users, xla):
    XLAVersionFactory(xla=xla, number=1, status="draft", effective_from=None)
    with pytest.raises(ValidationError, match="no active version"):
        services.xla_draft_from_active(actor=users["officer"], xla=xla)
    assert xla.versions.count() == 1


def test_draft_refused_while_a_draft_is_open(users, xla, active):
    services.xla_draft_from_active(actor=users["officer"], xla=xla)
    with pytest.raises(ValidationError, match="Draft version 2 is already open") as exc:
        services.xla_draft_from_active(actor=users["officer"], xla=xla)
    assert exc.value.code == "draft_exists"
    assert xla.versions.count() == 2


def test_draft_refused_while_a_proposal_waits(users, xla, proposed_version):
    with pytest.raises(ValidationError, match="Version 2 is waiting for approval"):
        services.xla_draft_from_active(actor=users["officer"], xla=xla)
    assert xla.versions.count() == 2
    assert not AuditEvent.objects.filter(action="xla.draft_started").exists()


def test_version_with_a_different_indicator_set_is_evaluated_and_breached(org_a, users, xla):
    """v1 judges Jan–Jun with happiness + positive share; v2 judges from July with happiness
    + response count: each key is evaluated only while a version in force holds it, and a run
    of misses of a kept key carries across the change of version."""
    v1 = XLAVersionFactory(
        xla=xla, number=1, status="active", effective_from=datetime.date(2026, 1, 1)
    )
    happiness = {
        "key": "happiness",
        "name": "Happiness",
        "kind": "sentiment",
        "measure": "happiness",
        "metric": None,
        "aggregation": "",
        "direction": "higher",
        "target": 80.0,
        "warning": 70.0,
        "weight": 1.0,
        "period": "month",
        "min_sample": 10,
        "consecutive_misses": 2,
    }
    IndicatorFactory(version=v1, **happiness, order=0)
    IndicatorFactory(
        version=v1,
        key="positive-share",
        name="Positive share",
        measure="positive_share",
        target=40,
        warning=30,
        min_sample=10,
        order=1,
    )
    draft = services.xla_draft_from_active(actor=users["officer"], xla=xla)
    responses = {
        **happiness,
        "key": "responses",
        "name": "Responses",
        "measure": "response_count",
        "target": 15.0,
        "warning": 10.0,
    }
    services.xla_draft_update(
        actor=users["officer"],
        version=draft,
        name=xla.name,
        description="",
        owner=xla.owner,
        services=list(xla.services.all()),
        personas=[],
        review_due=None,
        rationale="Track volume instead of the positive share.",
        indicators=[happiness, responses],
    )
    services.version_propose(
        actor=users["officer"], version=draft, rationale="", effective_from=None
    )
    services.version_approve(
        actor=users["leader"], version=draft, effective_from=datetime.date(2026, 7, 1)
    )

    service = xla.services.get()
    tz = ZoneInfo(org_a.time_zone)
    rows = []
    for month in range(1, 10):
        for i, score in enumerate(([10] * 5 + [8] * 3 + [3] * 2) * 2):  # happiness 30
            rows.append(
                SurveyResponse(
                    organisation=org_a,
                    service=service,
                    external_id=f"nd-{month}-{i}",
                    score=score,
                    submitted_at=datetime.datetime(2026, month, 1 + i, 12, tzinfo=tz),
                )
            )
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))
    process_new(org_a)
    now = datetime.datetime(2026, 10, 15, 12, tzinfo=datetime.UTC)
    evaluate_org(org_a, now=now)
    flag_breaches(org_a, now=now)

    def judged(key):
        return {
            e.period_start.month: (e.status, e.indicator.version.number)
            for e in Evaluation.objects.filter(xla=xla, indicator_key=key).select_related(
                "indicator__version"
            )
        }

    assert judged("happiness") == {
        **{m: ("missed", 1) for m in range(1, 7)},
        **{m: ("missed", 2) for m in range(7, 10)},
        10: ("insufficient_data", 2),
    }
    assert judged("positive-share") == {m: ("met", 1) for m in range(1, 7)}
    assert judged("responses") == {
        **{m: ("met", 2) for m in range(7, 10)},
        10: ("insufficient_data", 2),
    }
    scores = {
        s.period_start.month: (s.score, s.version.number)
        for s in XLAScore.objects.filter(xla=xla).select_related("version")
    }
    assert scores[6] == (50.0, 1) and scores[7] == (50.0, 2)
    breached = {(b.indicator_key, b.period_start.month) for b in Breach.objects.filter(xla=xla)}
    assert ("happiness", 7) in breached  # June (v1) and July (v2) missed in a row
    assert all(key == "happiness" for key, _ in breached)


# --- view -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_new_draft_allowed_only_to_editors(login, users, role, xla, active):
    response = login(users[role]).post(reverse("xlas:xla_new_draft", args=[xla.pk]))
    if role in EDITORS:
        draft = xla.versions.get(status="draft")
        assert response.status_code == 302
        assert response["Location"] == reverse("xlas:version_edit", args=[draft.pk])
        assert "Draft version 2 started" in _messages(response)[0]
    else:
        assert response.status_code == 403
        assert not xla.versions.filter(status="draft").exists()


def test_new_draft_is_post_only(login, users, xla, active):
    response = login(users["officer"]).get(reverse("xlas:xla_new_draft", args=[xla.pk]))
    assert response.status_code == 405
    assert not xla.versions.filter(status="draft").exists()


def test_new_draft_of_another_organisations_xla_is_404(login, outsider, xla, active):
    response = login(outsider).post(reverse("xlas:xla_new_draft", args=[xla.pk]))
    assert response.status_code == 404
    assert not xla.versions.filter(status="draft").exists()


def test_new_draft_when_a_draft_is_open_goes_to_that_draft(login, users, xla, active):
    client = login(users["officer"])
    url = reverse("xlas:xla_new_draft", args=[xla.pk])
    client.post(url)
    response = client.post(url, follow=True)
    draft = xla.versions.get(status="draft")
    assert response.redirect_chain == [(reverse("xlas:version_edit", args=[draft.pk]), 302)]
    assert "Draft version 2 is already open; edit it here." in response.content.decode()
    assert xla.versions.count() == 2


def test_new_draft_while_a_proposal_waits_explains_why(login, users, xla, proposed_version):
    response = login(users["officer"]).post(
        reverse("xlas:xla_new_draft", args=[xla.pk]), follow=True
    )
    assert response.redirect_chain == [(reverse("xlas:xla_detail", args=[xla.pk]), 302)]
    assert "Version 2 is waiting for approval" in response.content.decode()
    assert not xla.versions.filter(status="draft").exists()


def test_new_draft_without_an_active_version_goes_to_the_first_draft(login, users, xla):
    XLAVersionFactory(xla=xla, number=1, status="draft", effective_from=None)
    response = login(users["officer"]).post(reverse("xlas:xla_new_draft", args=[xla.pk]))
    # The open first draft is the one to edit.
    draft = xla.versions.get()
    assert response["Location"] == reverse("xlas:version_edit", args=[draft.pk])
    assert xla.versions.count() == 1


def test_new_draft_of_a_proposal_only_xla_is_refused(login, users, xla):
    XLAVersionFactory(xla=xla, number=1, status="proposed", effective_from=None)
    response = login(users["officer"]).post(
        reverse("xlas:xla_new_draft", args=[xla.pk]), follow=True
    )
    assert response.redirect_chain == [(reverse("xlas:xla_detail", args=[xla.pk]), 302)]
    assert "no active version yet" in response.content.decode()
    assert xla.versions.count() == 1


# --- the detail page ------------------------------------------------------------------------


def test_detail_offers_a_new_version_to_editors_only(login, users, xla, active):
    url = reverse("xlas:xla_detail", args=[xla.pk])
    action = reverse("xlas:xla_new_draft", args=[xla.pk])
    for role in ROLES:
        body = login(users[role]).get(url).content.decode()
        assert (BUTTON in body) == (role in EDITORS), role
        assert (f'action="{action}"' in body) == (role in EDITORS), role
        assert ("add, remove or redefine indicators" in body) == (role in EDITORS), role


def test_detail_links_to_the_open_draft_instead(login, users, xla, active):
    draft = services.xla_draft_from_active(actor=users["officer"], xla=xla)
    body = login(users["officer"]).get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert BUTTON not in body
    assert reverse("xlas:version_edit", args=[draft.pk]) in body
    assert "Edit draft v2" in body
    assert "Draft version 2 is open" in body
    body = login(users["viewer"]).get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert reverse("xlas:version_edit", args=[draft.pk]) not in body


def test_detail_hides_the_button_while_a_proposal_waits(login, users, xla, proposed_version):
    body = login(users["officer"]).get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert BUTTON not in body


# --- the whole flow through the pages -------------------------------------------------------


def _indicator_fields(index, **values):
    defaults = {
        "name": "",
        "key": "",
        "kind": "sentiment",
        "measure": "",
        "metric": "",
        "aggregation": "",
        "direction": "higher",
        "target": "",
        "warning": "",
        "weight": "1.0",
        "period": "month",
        "min_sample": "30",
        "consecutive_misses": "2",
    }
    defaults.update(values)
    return {f"ind-{index}-{name}": str(value) for name, value in defaults.items()}


def _edit_post(xla, service, forms, initial):
    data = {
        "name": xla.name,
        "description": "",
        "owner": str(xla.owner_id),
        "services": [service.pk],
        "review_due": "2027-03-31",
        "rationale": "Swap effort for lost time.",
        "ind-TOTAL_FORMS": str(len(forms)),
        "ind-INITIAL_FORMS": str(initial),
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "1000",
    }
    for index, values in enumerate(forms):
        data.update(_indicator_fields(index, **values))
    return data


def _as_posted(indicator):
    """An indicator's fields as the edit page renders them (what a browser sends back)."""
    return {
        "name": indicator.name,
        "key": indicator.key,
        "kind": indicator.kind,
        "measure": indicator.measure,
        "metric": indicator.metric_id or "",
        "aggregation": indicator.aggregation,
        "direction": indicator.direction,
        "target": indicator.target,
        "warning": indicator.warning,
        "weight": indicator.weight,
        "period": indicator.period,
        "min_sample": indicator.min_sample,
        "consecutive_misses": indicator.consecutive_misses,
    }


def test_new_version_with_another_indicator_set_end_to_end(login, users, xla, service, active):
    officer = login(users["officer"])
    response = officer.post(reverse("xlas:xla_new_draft", args=[xla.pk]))
    draft = xla.versions.get(status="draft")
    edit_url = reverse("xlas:version_edit", args=[draft.pk])
    assert response["Location"] == edit_url
    page = officer.get(edit_url).content.decode()
    assert 'value="happiness"' in page and 'value="effort"' in page

    happiness, effort = draft.indicators.order_by("order")
    forms = [
        _as_posted(happiness),  # kept unchanged
        {**_as_posted(effort), "DELETE": "on"},  # removed
        {  # added
            "name": "Lost time",
            "key": "lost-time",
            "measure": "lost_time_median",
            "direction": "lower",
            "target": "15",
            "warning": "30",
            "min_sample": "20",
        },
        {},  # the untouched extra row of the page
    ]
    response = officer.post(edit_url, _edit_post(xla, service, forms, initial=2))
    assert response.status_code == 302, response.content.decode()
    assert _keys(draft) == ["happiness", "lost-time"]
    kept = draft.indicators.get(key="happiness")
    assert (kept.target, kept.warning, kept.min_sample) == (70, 60, happiness.min_sample)

    response = officer.post(
        reverse("xlas:version_propose", args=[draft.pk]),
        {"rationale": "Lost time says more than effort.", "effective_from": "2026-10-01"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "proposed"

    # The approver sees what is added and what is removed.
    page = login(users["leader"]).get(reverse("xlas:version_detail", args=[draft.pk]))
    body = page.content.decode()
    assert "(lost-time)" in body and '<span class="muted">new</span>' in body
    assert "(effort)" in body and '<span class="badge badge-warn">removed</span>' in body

    response = login(users["leader"]).post(
        reverse("xlas:version_approve", args=[draft.pk]),
        {"effective_from": "2026-10-01", "note": "Agreed."},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    active.refresh_from_db()
    assert (draft.status, draft.effective_from) == ("active", datetime.date(2026, 10, 1))
    assert (active.status, active.effective_to) == ("retired", datetime.date(2026, 10, 1))
    assert _keys(draft) == ["happiness", "lost-time"]
    assert _keys(active) == ["happiness", "effort"]

    body = login(users["viewer"]).get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert "(version 2, active)" in body
    assert 'id="indicator-happiness"' in body and 'id="indicator-lost-time"' in body
    assert 'id="indicator-effort"' not in body
    actions = list(
        AuditEvent.objects.filter(object_id=str(draft.pk), object_type="xlas.xlaversion")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["xla.draft_started", "xla.draft_updated", "xla.proposed", "xla.approved"]


def test_saving_a_draft_keeps_indicators_left_unchanged(login, users, xla, service, active):
    draft = services.xla_draft_from_active(actor=users["officer"], xla=xla)
    happiness, effort = draft.indicators.order_by("order")
    forms = [_as_posted(happiness), {**_as_posted(effort), "target": "8"}]
    response = login(users["officer"]).post(
        reverse("xlas:version_edit", args=[draft.pk]),
        _edit_post(xla, service, forms, initial=2),
    )
    assert response.status_code == 302
    assert _keys(draft) == ["happiness", "effort"]
    assert draft.indicators.get(key="effort").target == 8
