"""PostgreSQL path: concurrency of overlapping pushes; a broker outage during a push."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection, connections

from experience.models import MetricSample, SurveyResponse
from tests.factories import ApiTokenFactory, OperationalMetricFactory, ServiceFactory
from xmo.jobs import load_jobs, run_job

from .conftest import RESPONSES_URL, SAMPLES_URL, post_json, response_item, sample_item

ROOT = Path(__file__).resolve().parents[2]


def _push_concurrently(org, url, batches):
    from rest_framework.test import APIClient

    _, raw = ApiTokenFactory.create_with_key(organisation=org)
    barrier = threading.Barrier(len(batches))
    results: list = [None] * len(batches)

    def worker(i):
        try:
            client = APIClient()
            barrier.wait()
            results[i] = post_json(client, url, batches[i], token=raw)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_with_overlapping_batches_store_each_id_once(org_a):
    ServiceFactory(organisation=org_a, slug="service-desk")
    # Thread i sends ids [100 i, 100 i + 300): every id is in up to three batches, and each
    # batch is shuffled differently so the writers meet in different orders.
    batches = []
    for i in range(8):
        batch = [response_item(n) for n in range(100 * i, 100 * i + 300)]
        batches.append(batch[i % 3 :: 1] + batch[: i % 3])
    distinct = {item["external_id"] for batch in batches for item in batch}
    results = _push_concurrently(org_a, RESPONSES_URL, batches)
    assert [r.status_code for r in results] == [201] * 8, [r.content for r in results]
    assert sum(r.json()["created"] for r in results) == len(distinct)
    assert sum(r.json()["duplicates"] for r in results) == 8 * 300 - len(distinct)
    assert SurveyResponse.objects.filter(organisation=org_a).count() == len(distinct)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_metric_samples_with_and_without_ids(org_a):
    ServiceFactory(organisation=org_a, slug="service-desk")
    OperationalMetricFactory(organisation=org_a, slug="resolution-time")
    batches = [
        [sample_item(n) for n in range(50 * i, 50 * i + 150)] + [sample_item(None)]
        for i in range(8)
    ]
    results = _push_concurrently(org_a, SAMPLES_URL, batches)
    assert [r.status_code for r in results] == [201] * 8
    distinct = 50 * 7 + 150
    assert sum(r.json()["created"] for r in results) == distinct + 8
    assert MetricSample.objects.filter(external_id__isnull=False).count() == distinct
    assert MetricSample.objects.filter(external_id__isnull=True).count() == 8


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_push_answers_quickly_and_keeps_the_marker_while_the_broker_is_down(org_a):
    """A real server whose REDIS_URL points at a closed port: the push is still stored."""
    ServiceFactory(organisation=org_a, slug="service-desk")
    _, raw = ApiTokenFactory.create_with_key(organisation=org_a)
    db = connection.settings_dict
    port = _free_port()
    credentials = f"{db['USER']}:{db['PASSWORD'] or ''}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0",  # nothing listens there
        "DJANGO_DEBUG": "1",
        "XMO_TESTING": "0",
        "XMO_AXES_ENABLED": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "xmo.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(
                        server.stderr.read().decode()[-2000:] if server.poll() else "no server"
                    )
                time.sleep(0.2)
        started = time.monotonic()
        response = requests.post(
            f"{base}{RESPONSES_URL}",
            json=[response_item(n) for n in range(20)],
            headers={"Authorization": f"Bearer {raw}"},
            timeout=10,
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 201, response.text
        assert response.json() == {"received": 20, "created": 20, "duplicates": 0}
        assert elapsed < 2.0, elapsed
        print(f"push answered in {elapsed:.2f} s")
        # readyz tells operators the broker is down, and stays ready (the database answers).
        ready = requests.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 200
        assert (ready.json()["database"], ready.json()["broker"]) == ("ok", "down")
    finally:
        server.terminate()
        server.wait(timeout=10)
    rows = SurveyResponse.objects.filter(organisation=org_a)
    assert rows.count() == 20
    assert rows.filter(pending__isnull=False).count() == 20
    if "rollups" in load_jobs():
        # The periodic rollups run (the sweep) picks up what the lost message would have.
        run_job("rollups", org_a.pk)
        assert not rows.filter(pending__isnull=False).exists()


@pytest.mark.django_db
def test_unreachable_broker_never_fails_the_push(
    api, org_a, token_a, django_capture_on_commit_callbacks
):
    """In-process: publishing raises; the push is still 201 and the rows keep the marker."""
    from unittest import mock

    from celery import current_app
    from kombu.exceptions import OperationalError

    with (
        mock.patch.object(
            current_app, "send_task", side_effect=OperationalError("refused")
        ) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_json(
            api, RESPONSES_URL, [response_item(0), response_item(1)], token=token_a
        )
    assert response.status_code == 201
    assert publish.called
    assert SurveyResponse.objects.filter(pending__isnull=False).count() == 2
