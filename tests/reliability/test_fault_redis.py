"""Redis (broker and cache) stops while clients push: pushes still succeed, nothing is lost."""

import datetime
import time

import pytest
import requests
from django.db.models import Sum
from django.utils import timezone

from experience.models import ResponseRollup, SurveyResponse
from tests.factories import ApiTokenFactory, ServiceFactory
from xmo.jobs import run_job

from .procs import Gunicorn, PrivateRedis, django_env, test_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/survey-responses/"


def _batch(start, size):
    when = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    return [
        {"external_id": f"r-{n}", "service": "service-desk", "score": n % 11, "submitted_at": when}
        for n in range(start, start + size)
    ]


def test_pushes_answer_201_while_redis_is_down_and_the_sweep_processes_each_row_once(org_a):
    ServiceFactory(organisation=org_a, slug="service-desk")
    _, key = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["ingest"])
    redis = PrivateRedis().start()
    server = Gunicorn(django_env(test_database_url(), redis.url), workers=1, threads=2)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        first = requests.post(server.base + URL, json=_batch(0, 50), headers=headers, timeout=10)
        assert first.status_code == 201, first.text

        redis.stop()
        timings = []
        for i in range(1, 6):
            started = time.monotonic()
            response = requests.post(
                server.base + URL, json=_batch(50 * i, 50), headers=headers, timeout=10
            )
            timings.append(time.monotonic() - started)
            assert response.status_code == 201, response.text
            assert response.json() == {"received": 50, "created": 50, "duplicates": 0}
        # A re-sent batch while Redis is down is still recognised as duplicates.
        again = requests.post(server.base + URL, json=_batch(50, 50), headers=headers, timeout=10)
        assert again.json() == {"received": 50, "created": 0, "duplicates": 50}
        assert max(timings) < 2.0, timings
        # Degraded, not unready: the database answers, the broker is reported down.
        ready = requests.get(server.base + "/readyz", timeout=5)
        assert ready.status_code == 200
        assert (ready.json()["database"], ready.json()["broker"]) == ("ok", "down")

        redis.start()
        assert requests.get(server.base + "/readyz", timeout=5).json()["broker"] == "ok"
        after = requests.post(server.base + URL, json=_batch(300, 50), headers=headers, timeout=10)
        assert after.status_code == 201
    finally:
        server.stop()
        redis.stop()

    rows = SurveyResponse.objects.filter(organisation=org_a)
    assert rows.count() == 350
    assert rows.filter(pending__isnull=False).count() == 350  # no worker ran: all queued

    # The periodic rollups run is the sweeper: everything, once.
    run_job("rollups", org_a.pk)
    run_job("rollups", org_a.pk)
    assert not rows.filter(pending__isnull=False).exists()
    day_totals = ResponseRollup.objects.filter(organisation=org_a, span="day", grain="service")
    assert day_totals.aggregate(n=Sum("n"))["n"] == 350
    assert day_totals.aggregate(s=Sum("score_sum"))["s"] == sum(n % 11 for n in range(350))
