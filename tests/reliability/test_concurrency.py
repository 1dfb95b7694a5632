"""Two workers (or two beats) running the same job at once: the effects happen exactly once.

Organisations A and B get identical data. B runs every registered job once, one after the
other: the reference. A runs every job twice at the same moment from two threads (what two
workers, or a beat started twice, do) - once through the job runner with its lease, and once
calling the job function directly, as if a lease had expired under a slow run. Afterwards A's
effects (rollup totals, suggestions, evaluations, breaches, notifications, e-mails, reports,
agendas, audit events) must equal B's.
"""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connections
from django.db.models import Sum
from django.utils import timezone

from experience.models import (
    DataQualityAlert,
    FactorRollup,
    MetricRollup,
    MetricSample,
    ResponseRollup,
    ScoreDrop,
)
from feedback.models import TagSuggestion
from meetings.models import AgendaItem, Meeting
from reports.models import MonthlyReport, ReportSection
from tests.factories import (
    ActionItemFactory,
    IndicatorFactory,
    MeetingSeriesFactory,
    MembershipFactory,
    OperationalMetricFactory,
    PersonaFactory,
    ServiceFactory,
    SurveyResponseFactory,
    TagFactory,
    TagRuleFactory,
    UserFactory,
    XLAFactory,
    XLAVersionFactory,
    enqueue_samples,
)
from xlas.models import Breach, Evaluation, XLAScore
from xmo.jobs import load_jobs, ordered_jobs, run_job
from xmo.models import AuditEvent, Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROLES = ["admin", "officer", "member", "leader", "service_owner", "viewer"]


def populate(org, prefix):
    users = {}
    for role in ROLES:
        users[role] = UserFactory(username=f"{prefix}-{role}")
        MembershipFactory(user=users[role], organisation=org, role=role)
    desk = ServiceFactory(organisation=org, slug="service-desk", owner=users["service_owner"])
    laptops = ServiceFactory(organisation=org, slug="laptops", owner=users["service_owner"])
    doers = PersonaFactory(organisation=org, slug="doers")
    metric = OperationalMetricFactory(organisation=org, slug="resolution-time")
    tag = TagFactory(organisation=org, name="VPN", slug="vpn")
    TagRuleFactory(organisation=org, tag=tag, patterns="vpn")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i in range(240):
        SurveyResponseFactory(
            organisation=org,
            service=desk if i % 3 else laptops,
            persona=doers if i % 2 else None,
            external_id=f"c-{i}",
            score=(i * 7) % 11,
            lost_time_minutes=(i * 13) % 200 if i % 4 else None,
            factors=["waiting"] if i % 5 == 0 else [],
            comment="The VPN keeps dropping" if i % 6 == 0 else "",
            submitted_at=now - datetime.timedelta(hours=6 * i + 1),
        )
    enqueue_samples(
        MetricSample.objects.bulk_create(
            MetricSample(
                organisation=org,
                metric=metric,
                service=desk,
                value=float(i % 9),
                measured_at=now - datetime.timedelta(hours=12 * i + 1),
            )
            for i in range(60)
        )
    )
    xla = XLAFactory(organisation=org, name="Happy desk", owner=users["officer"])
    xla.services.add(desk)
    version = XLAVersionFactory(
        xla=xla, number=1, status="active", effective_from=datetime.date(2025, 1, 1)
    )
    IndicatorFactory(
        version=version, key="happiness", target=95, warning=90, min_sample=5, period="week"
    )
    IndicatorFactory(
        version=version,
        key="lost-time",
        measure="lost_time_mean",
        direction="lower",
        target=5,
        warning=10,
        min_sample=5,
        period="month",
        consecutive_misses=1,
    )
    MeetingSeriesFactory(organisation=org, cadence="weekly", name="Weekly review")
    MeetingSeriesFactory(organisation=org, cadence="monthly", name="Workplace")
    for days in (1, 2, 3):
        ActionItemFactory(
            organisation=org,
            owner=users["member"],
            due_on=timezone.localdate() + datetime.timedelta(days=days),
        )
    return users


def effects(org, users) -> dict:
    emails = {u.email for u in users.values()}
    rollups = ResponseRollup.objects.filter(organisation=org)
    return {
        "response rollups": rollups.aggregate(n=Sum("n"), s=Sum("score_sum")),
        "lost-time rollups": rollups.aggregate(n=Sum("lost_n"), s=Sum("lost_sum")),
        # A key may have several rows (deltas): compare what they add up to.
        "lost-time histograms": sum(
            sum(rollup.lost_hist.values()) for rollup in rollups.only("lost_hist")
        ),
        "factor rollups": FactorRollup.objects.filter(organisation=org).aggregate(n=Sum("count")),
        "metric rollups": MetricRollup.objects.filter(organisation=org).aggregate(n=Sum("count")),
        "suggestions": TagSuggestion.objects.filter(response__organisation=org).count(),
        "evaluations": Evaluation.objects.filter(organisation=org).count(),
        "xla scores": XLAScore.objects.filter(organisation=org).count(),
        "breaches": Breach.objects.filter(organisation=org).count(),
        "score drops": ScoreDrop.objects.filter(organisation=org).count(),
        "data-quality alerts": DataQualityAlert.objects.filter(organisation=org).count(),
        "notifications": sorted(
            Notification.objects.filter(organisation=org).values_list("kind", flat=True)
        ),
        "e-mails": sum(1 for m in mail.outbox for to in m.to if to in emails),
        "reports": MonthlyReport.objects.filter(organisation=org).count(),
        "report sections": ReportSection.objects.filter(report__organisation=org).count(),
        "meetings": Meeting.objects.filter(series__organisation=org).count(),
        "agenda items": AgendaItem.objects.filter(meeting__series__organisation=org).count(),
        "audit events": sorted(
            AuditEvent.objects.filter(organisation=org).values_list("action", flat=True)
        ),
    }


def at_once(fn, copies=2):
    """Call fn() from `copies` threads released together; re-raise the first failure."""
    barrier = threading.Barrier(copies)
    errors = []

    def run():
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # reported below, with the job's name
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@pytest.fixture
def twins(org_a, org_b):
    mail.outbox = []
    return populate(org_a, "a"), populate(org_b, "b")


def _reference(org_b):
    for j in ordered_jobs():
        run_job(j.name, org_b.pk)


def test_every_job_run_twice_at_once_through_the_runner_has_its_effects_once(org_a, org_b, twins):
    users_a, users_b = twins
    _reference(org_b)
    for j in ordered_jobs():
        at_once(lambda j=j: run_job(j.name, org_a.pk))
    assert effects(org_a, users_a) == effects(org_b, users_b)
    one_grain = ResponseRollup.objects.filter(organisation=org_a, span="day", grain="service")
    assert one_grain.aggregate(n=Sum("n"))["n"] == 240


def test_every_job_function_run_twice_at_once_without_a_lease_has_its_effects_once(
    org_a, org_b, twins
):
    """As when a lease expired under a slow run: the jobs themselves must be race-safe."""
    users_a, users_b = twins
    _reference(org_b)
    failures = {}
    for j in ordered_jobs():
        try:
            at_once(lambda j=j: j.fn(org_a) if j.per_org else j.fn())
        except Exception as exc:
            failures[j.name] = repr(exc)
    assert not failures, failures
    assert effects(org_a, users_a) == effects(org_b, users_b)


def test_the_registry_has_the_agreed_jobs():
    assert {"rollups", "suggest_tags", "draft_monthly_reports"} <= set(load_jobs())


@pytest.mark.slow
def test_eight_clients_with_overlapping_batches_over_http_store_and_roll_up_each_item_once(org_a):
    """Real processes: gunicorn with two workers of four threads, eight clients at once.

    Client i sends ids [100 i, 100 i + 300) in its own order, then sends the same batch again
    (a retry after a lost answer): each id is stored once and rolled up once.
    """
    import requests

    from experience.models import SurveyResponse
    from tests.factories import ApiTokenFactory

    from .procs import Gunicorn, django_env, test_database_url

    ServiceFactory(organisation=org_a, slug="service-desk")
    OperationalMetricFactory(organisation=org_a, slug="resolution-time")
    _, key = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["ingest"])
    when = (timezone.now() - datetime.timedelta(hours=2)).isoformat()
    batches, samples = [], []
    for i in range(8):
        ids = list(range(100 * i, 100 * i + 300))
        ids = ids[(37 * i) % 300 :] + ids[: (37 * i) % 300]
        batches.append(
            [
                {"external_id": f"h-{n}", "service": "service-desk", "score": n % 11}
                | {"submitted_at": when}
                for n in ids
            ]
        )
        samples.append(
            [
                {"external_id": f"s-{n}", "metric": "resolution-time", "service": "service-desk"}
                | {"value": n / 10, "measured_at": when}
                for n in ids[:100]
            ]
        )
    distinct = {item["external_id"] for batch in batches for item in batch}
    distinct_samples = {item["external_id"] for batch in samples for item in batch}
    server = Gunicorn(django_env(test_database_url()), workers=2, threads=4)
    results = [None] * 8
    try:
        barrier = threading.Barrier(8)

        def client(i):
            headers = {"Authorization": f"Bearer {key}"}
            barrier.wait()
            first = requests.post(
                server.base + "/api/v1/survey-responses/", json=batches[i], headers=headers
            )
            metric = requests.post(
                server.base + "/api/v1/metric-samples/", json=samples[i], headers=headers
            )
            retry = requests.post(
                server.base + "/api/v1/survey-responses/", json=batches[i], headers=headers
            )
            results[i] = (first, metric, retry)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    for first, metric, retry in results:
        assert (first.status_code, metric.status_code, retry.status_code) == (201, 201, 201)
        assert retry.json()["created"] == 0
    assert sum(r[0].json()["created"] for r in results) == len(distinct)
    assert sum(r[1].json()["created"] for r in results) == len(distinct_samples)
    assert SurveyResponse.objects.filter(organisation=org_a).count() == len(distinct)
    assert MetricSample.objects.filter(organisation=org_a).count() == len(distinct_samples)

    at_once(lambda: run_job("rollups", org_a.pk))
    at_once(lambda: load_jobs()["rollups"].fn(org_a))
    day = ResponseRollup.objects.filter(organisation=org_a, span="day", grain="service")
    assert day.aggregate(n=Sum("n"))["n"] == len(distinct)
    assert day.aggregate(s=Sum("score_sum"))["s"] == sum(int(e[2:]) % 11 for e in distinct)
    metric_rollups = MetricRollup.objects.filter(organisation=org_a)
    assert metric_rollups.aggregate(n=Sum("count"))["n"] == len(distinct_samples)
