"""A worker is killed with SIGKILL in the middle of a job; the job runs again, effects once.

A real `celery -A xmo worker` (solo pool, its own session) consumes from a private Redis and
writes to the test database. The test holds a row or table lock that the job needs, so the
job is certainly mid-run (its lease taken, part of its work committed) when SIGKILL arrives.
The next run (what beat sends at its next tick) must not be blocked by the dead worker's
lease and must leave every count exactly as one clean run would.
"""

import datetime
import os

import psycopg
import pytest
from django.db.models import Sum
from django.utils import timezone

from experience.models import MetricRollup, MetricSample, ResponseRollup, SurveyResponse
from experience.rollups import sketch
from reports.drafting import SECTIONS
from reports.models import MonthlyReport, ReportSection
from tests.factories import (
    MetricSampleFactory,
    OperationalMetricFactory,
    ServiceFactory,
    SurveyResponseFactory,
    enqueue_samples,
)
from xmo.choices import JobStatus
from xmo.jobs import run_job
from xmo.models import JobLock, JobRun, Notification

from .procs import PrivateRedis, Worker, django_env, test_database_url, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _send(redis_url, name, org_id):
    """Publish xmo.run_job on the private broker, as beat would."""
    from xmo.celery import app

    with app.connection_for_write(redis_url) as conn:
        app.send_task("xmo.run_job", args=[name, org_id], connection=conn)


def _blocker():
    from django.db import connection

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )


def _runs(name, org, status):
    return JobRun.objects.filter(name=name, organisation=org, status=status).count()


@pytest.fixture
def broker():
    redis = PrivateRedis().start()
    yield redis
    redis.stop()


@pytest.fixture
def mail_dir(tmp_path):
    return tmp_path / "mail"


def _kill_mid_job_then_rerun(org, broker, mail_dir, name, lock_sql, in_progress):
    env = django_env(test_database_url(), broker.url, EMAIL_URL=f"file://{mail_dir}")
    done_before = _runs(name, org, JobStatus.SUCCEEDED)
    blocker = _blocker()
    blocker.execute(lock_sql)
    worker = Worker(env)
    try:
        _send(broker.url, name, org.pk)
        wait_until(
            lambda: _runs(name, org, JobStatus.RUNNING) == 1 and in_progress(),
            30,
            f"{name} to be running and blocked",
            interval=0.2,
        )
        lock = JobLock.objects.get(key=f"job:{name}:{org.pk}")
        worker.kill()
    finally:
        blocker.rollback()
        blocker.close()
        if worker.proc.poll() is None:
            worker.kill()
    # The dead worker's lease is still there: the next run must take it over at once.
    assert JobLock.objects.filter(pk=lock.pk).exists()
    assert lock.expires_at > timezone.now()

    second = Worker(env)
    try:
        _send(broker.url, name, org.pk)
        wait_until(
            lambda: _runs(name, org, JobStatus.SUCCEEDED) == done_before + 1,
            30,
            f"{name} to run again after the kill",
            interval=0.2,
        )
        # Beat's next tick: runs again, changes nothing more.
        _send(broker.url, name, org.pk)
        wait_until(
            lambda: _runs(name, org, JobStatus.SUCCEEDED) == done_before + 2,
            30,
            "a third run",
            interval=0.2,
        )
    except AssertionError as exc:
        runs = list(JobRun.objects.filter(organisation=org).values_list("name", "status"))
        raise AssertionError(f"{exc}\nruns: {runs}\nworker:\n{second.output()}") from None
    finally:
        second.stop()
    assert not JobLock.objects.filter(key=f"job:{name}:{org.pk}").exists()


def test_rollups_killed_mid_run(org_a, broker, mail_dir):
    service = ServiceFactory(organisation=org_a, slug="service-desk")
    metric = OperationalMetricFactory(organisation=org_a, slug="resolution-time")
    day = timezone.now() - datetime.timedelta(days=2)
    MetricSampleFactory(
        organisation=org_a, metric=metric, service=service, value=1.0, measured_at=day
    )
    run_job("rollups", org_a.pk)  # the day's metric rollup row exists now
    SurveyResponseFactory.create_batch(300, organisation=org_a, service=service, submitted_at=day)
    enqueue_samples(
        MetricSample.objects.bulk_create(
            MetricSample(
                organisation=org_a,
                metric=metric,
                service=service,
                value=float(i),
                measured_at=day + datetime.timedelta(seconds=i),
            )
            for i in range(1, 50)
        )
    )
    responses = SurveyResponse.objects.filter(organisation=org_a)

    # Responses are rolled up and committed first; the samples then wait to append rows.
    _kill_mid_job_then_rerun(
        org_a,
        broker,
        mail_dir,
        "rollups",
        "LOCK TABLE experience_metricrollup IN SHARE MODE",
        lambda: not responses.filter(pending__isnull=False).exists(),
    )

    assert not responses.filter(pending__isnull=False).exists()
    assert not MetricSample.objects.filter(pending__isnull=False).exists()
    totals = ResponseRollup.objects.filter(organisation=org_a, span="day", grain="service")
    assert totals.aggregate(n=Sum("n"))["n"] == 300
    scores = sum(responses.values_list("score", flat=True))
    assert totals.aggregate(s=Sum("score_sum"))["s"] == scores
    assert MetricRollup.objects.filter(organisation=org_a).aggregate(n=Sum("count"))["n"] == 50
    rows = MetricRollup.objects.filter(organisation=org_a)
    assert sum(sum(sketch.decode(row.sketch).values()) for row in rows) == 50
    assert max(row.max for row in rows) == 49.0 and min(row.min for row in rows) == 1.0


def test_report_drafting_killed_mid_run(org_a, users, broker, mail_dir):
    ServiceFactory(organisation=org_a, slug="service-desk")
    notifications_before = Notification.objects.count()
    _kill_mid_job_then_rerun(
        org_a,
        broker,
        mail_dir,
        "draft_monthly_reports",
        # The report row is inserted, its sections wait: the kill lands inside the transaction.
        "LOCK TABLE reports_reportsection IN EXCLUSIVE MODE",
        lambda: _waiting_on_a_lock(),
    )
    reports = MonthlyReport.objects.filter(organisation=org_a)
    assert reports.count() == 1
    assert ReportSection.objects.filter(report__organisation=org_a).count() == len(SECTIONS)
    # Whatever notifications drafting sends, each went out once.
    created = Notification.objects.count() - notifications_before
    mails = len(os.listdir(mail_dir)) if mail_dir.exists() else 0
    assert mails <= created


def _waiting_on_a_lock() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0
