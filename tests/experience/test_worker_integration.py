"""End to end with a real Celery worker on Redis and PostgreSQL.

Pending responses → rollups → evaluate_xlas → flag_breaches → the owner's e-mail,
each step queued by the one before through the broker.
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from experience.models import PendingResponse, SurveyResponse
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
    XLAFactory,
    XLAVersionFactory,
    enqueue_responses,
)
from xlas.models import Breach, Evaluation
from xmo.jobs import enqueue
from xmo.periods import last_closed_period, previous_period_start

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait(predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_processes_evaluates_breaches_and_emails_the_owner(org_a):
    owner = UserFactory(username="desk-owner", email="desk-owner@example.test")
    MembershipFactory(user=owner, organisation=org_a, role="service_owner")
    desk = ServiceFactory(organisation=org_a, slug="desk")
    xla = XLAFactory(organisation=org_a, name="Desk experience", owner=owner)
    xla.services.add(desk)
    version = XLAVersionFactory(xla=xla, number=1, effective_from=datetime.date(2025, 1, 1))
    IndicatorFactory(
        version=version,
        key="happiness",
        target=80,
        warning=70,
        min_sample=10,
        consecutive_misses=2,
        period="month",
    )
    last_month, _ = last_closed_period(org_a, "month")
    tz = ZoneInfo(org_a.time_zone)
    rows = []
    for month in (previous_period_start(last_month, "month"), last_month):
        for i in range(20):
            rows.append(
                SurveyResponse(
                    organisation=org_a,
                    service=desk,
                    external_id=f"{month}-{i}",
                    score=10 if i % 2 else 2,  # happiness 0: far below the target
                    submitted_at=datetime.datetime.combine(
                        month + datetime.timedelta(days=i), datetime.time(11), tzinfo=tz
                    ),
                )
            )
    # Stored and queued for the rollups, as the API leaves them.
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))

    from xmo.celery import app

    app.control.purge()
    mail_dir = Path(tempfile.mkdtemp(prefix="xmo-mail-"))
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"file://{mail_dir}",
        "DJANGO_DEBUG": "1",
        "XMO_TESTING": "0",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "xmo",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "-n",
            f"analytics-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert enqueue("rollups", org_a.pk)
        assert _wait(lambda: not PendingResponse.objects.filter(organisation=org_a).exists()), (
            "the worker did not process the responses"
        )
        assert _wait(
            lambda: (
                Evaluation.objects.filter(xla=xla, period_start=last_month, is_closed=True)
                .filter(status="missed")
                .exists()
            )
        ), "the worker did not evaluate the XLA"
        assert _wait(lambda: Breach.objects.filter(xla=xla, period_start=last_month).exists())

        def mailed():
            return any("desk-owner@example.test" in p.read_text() for p in mail_dir.glob("*"))

        assert _wait(mailed), "no breach e-mail was written"
        breach = Breach.objects.get(xla=xla, period_start=last_month)
        assert breach.escalation_level == 1
        text = "".join(p.read_text() for p in mail_dir.glob("*"))
        assert "XLA breach" in text
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
