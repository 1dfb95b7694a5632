"""One XLA, one number: every page shows the score /api/v1/xlas/{id}/ gives for that period.

The demo organisation and a generated one are crawled as each role, with a fixed clock.
Every element showing an XLA's score carries data-xla-id, data-xla-period and
data-xla-score; each (XLA, period) pair must have one value across pages, equal to the API.
"""

import datetime
import io
import random
import re

import pytest
import time_machine
from django.core.management import call_command

from experience.rollups import process_new
from meetings.drafting import draft_agenda
from reports.drafting import draft_report
from tests.factories import (
    IndicatorFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonaFactory,
    ServiceFactory,
    SurveyResponseFactory,
    UserFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xlas.breaches import flag_breaches
from xlas.evaluation import evaluate_org
from xmo.models import Membership
from xmo.roles import ALL_ROLES as ROLES

from .crawl import choice_codes, crawl, raw_words, xla_scores

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NOW = datetime.datetime(2026, 11, 18, 9, tzinfo=datetime.UTC)


def _api_scores(client, xla_ids) -> dict[tuple[int, str], str]:
    result = {}
    for xla_id in xla_ids:
        response = client.get(f"/api/v1/xlas/{xla_id}/")
        assert response.status_code == 200, response.content
        for s in response.json()["scores"]:
            score = "" if s["score"] is None else repr(round(float(s["score"]), 4))
            result[(xla_id, s["period_start"])] = score
            assert s["status"] in {"met", "at_risk", "missed", "insufficient_data"}
    return result


def check_every_page_agrees(client, users_by_role, *, min_pairs: int, words=False) -> dict:
    """Crawl as each role; every (XLA, period) shows one value, the API's.

    With `words`, no page may show a raw choice code (virtual_agent, at_risk) or "None".
    """
    seen: dict = {}
    codes = choice_codes()
    raw: dict = {}
    for role, user in users_by_role.items():
        client.force_login(user)
        pages = crawl(client)
        assert len(pages) > 5, role
        if words:
            for url, hits in raw_words(pages, codes).items():
                raw.setdefault(url, set()).update(hits)
        for pair, values in xla_scores(pages).items():
            seen.setdefault(pair, set()).update(values)
    assert raw == {}
    officer = users_by_role["officer"]
    client.force_login(officer)
    api = _api_scores(client, {x for x, _ in seen})
    assert len(seen) >= min_pairs
    for pair, values in seen.items():
        shown = {score for score, _ in values}
        assert len(shown) == 1, (pair, values)
        assert pair in api, (pair, values)
        assert shown == {api[pair]}, (pair, values, api[pair])
    return seen


def test_demo_shows_one_score_per_xla_and_period_and_words_not_codes(client):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--responses", "600", stdout=io.StringIO(), stderr=io.StringIO())
        users = {
            m.role: m.user
            for m in Membership.objects.filter(organisation__slug="demo").select_related("user")
        }
        assert set(users) == set(ROLES)
        seen = check_every_page_agrees(client, users, min_pairs=4, words=True)
    # The dashboard, the XLA list and detail and the report all carry scores.
    urls = {url for values in seen.values() for _, url in values}
    for prefix in ("/dashboard/", "/xlas/", "/reports/"):
        assert any(u.startswith(prefix) for u in urls), prefix
    # Every indicator value and target in the report carries its unit.
    report_url = next(u for u in sorted(urls) if u.startswith("/reports/") and u[9:10].isdigit())
    with time_machine.travel(NOW, tick=False):
        html = client.get(report_url).content.decode()
    cells = re.findall(
        r'<td class="indent">[^<]*</td><td class="num nowrap">([^<]*)</td>'
        r'<td class="num nowrap">([^<]*)</td>',
        html,
    )
    assert cells, report_url
    for value, target in cells:
        for text in (value, target):
            assert text == "—" or re.search(r"(min|h|points|%|/ 10|[a-z]+)$", text), cells


def _generated_org(seed: int):
    rng = random.Random(seed)
    org = OrganisationFactory(slug=f"gen-{seed}", time_zone="Europe/Berlin")
    users = {}
    for role in ROLES:
        users[role] = UserFactory(username=f"g-{role}", first_name="Gen", last_name=role.title())
        MembershipFactory(user=users[role], organisation=org, role=role)
    services = [ServiceFactory(organisation=org, slug=f"svc-{i}") for i in range(3)]
    personas = [PersonaFactory(organisation=org, slug=f"per-{i}") for i in range(2)]
    for i in range(3):
        xla = XLAFactory(organisation=org, name=f"Generated XLA {i}", owner=users["officer"])
        xla.services.set(rng.sample(services, 2))
        if i:
            xla.personas.set([personas[i % 2]])
        version = XLAVersionFactory(xla=xla, effective_from=datetime.date(2026, 1, 1))
        for j, (measure, period) in enumerate(
            [("happiness", "month"), ("avg_score", "month"), ("happiness", "week")][: 2 + i % 2]
        ):
            IndicatorFactory(
                version=version,
                key=f"k{j}",
                measure=measure,
                period=period,
                target=rng.choice([20.0, 40.0, 7.0]) if measure == "avg_score" else 30.0,
                warning=0.0,
                min_sample=rng.choice([5, 20]),
            )
    start = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    for n in range(700):
        SurveyResponseFactory(
            organisation=org,
            service=rng.choice(services),
            persona=rng.choice([*personas, None]),
            score=rng.randint(0, 10),
            submitted_at=start + datetime.timedelta(minutes=rng.randint(0, 169 * 24 * 60)),
            external_id=f"g{seed}-{n}",
        )
    process_new(org)
    evaluate_org(org, now=NOW)
    flag_breaches(org, now=NOW)
    draft_report(org, datetime.date(2026, 10, 1))
    series = MeetingSeriesFactory(organisation=org, cadence="quarterly", weekday=2, nth=2)
    draft_agenda(MeetingFactory(series=series, scheduled_for=NOW))
    return org, users


@pytest.mark.parametrize("seed", [7, 42])
def test_generated_organisation_shows_one_score_per_xla_and_period(client, seed):
    with time_machine.travel(NOW, tick=False):
        _org, users = _generated_org(seed)
        seen = check_every_page_agrees(client, users, min_pairs=6)
    urls = {url for values in seen.values() for _, url in values}
    assert any(u.startswith("/meetings/") for u in urls)  # the quarterly agenda
