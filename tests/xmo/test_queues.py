"""Jobs go to a queue per kind of work; beat spreads organisations over each schedule."""

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import OrganisationFactory
from xmo.jobs import QUEUES, beat_schedule, dispatch, enqueue, load_jobs, spread_offset
from xmo.models import JobRun

ROOT = Path(__file__).resolve().parents[2]


def test_every_job_names_a_known_queue_and_beat_routes_through_dispatch():
    jobs = load_jobs()
    assert {j.queue for j in jobs.values()} <= set(QUEUES)
    assert jobs["rollups"].queue == "ingest"
    assert jobs["evaluate_xlas"].queue == "evaluate"
    assert jobs["send_notification_emails"].queue == "notify"
    assert jobs["draft_monthly_reports"].queue == "reports"
    assert jobs["training_reminders"].queue == "notify"
    for name, entry in beat_schedule().items():
        assert entry["task"] == "xmo.dispatch_job"
        assert entry["args"] == (name,)
        assert entry["options"]["queue"] == jobs[name].queue


def test_a_worker_without_queues_consumes_every_queue():
    assert [q.name for q in settings.CELERY_TASK_QUEUES] == list(QUEUES)


def test_offsets_are_stable_and_spread_organisations_over_the_window():
    every_minute = load_jobs()["rollups"]  # every 60 s: spread over 30 s
    monthly = load_jobs()["draft_monthly_reports"]  # calendar schedule: over an hour
    offsets = [spread_offset(every_minute, org_id) for org_id in range(1, 1001)]
    assert offsets == [spread_offset(every_minute, org_id) for org_id in range(1, 1001)]
    assert min(offsets) >= 0 and max(offsets) < 30
    # 1 000 organisations over 30 one-second slots: no slot holds more than twice its share.
    assert max(Counter(offsets).values()) <= 2 * 1000 / 30
    hourly = [spread_offset(monthly, org_id) for org_id in range(1, 1001)]
    assert max(hourly) < 1800 and len(set(hourly)) > 700


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def _empty_queues():
    """Every job queue empty, declared and bound, as the workers leave them (a message still
    reaches only the queue it is published to); returns the Redis client."""
    from xmo.celery import app

    app.control.purge()
    r = _redis()
    r.delete(*QUEUES)
    with app.connection_for_write() as conn:
        for queue in app.amqp.queues.values():
            queue(conn.default_channel).declare()
    return r


@pytest.mark.redis
@pytest.mark.django_db
def test_dispatch_publishes_one_delayed_run_per_organisation_to_the_job_queue():

    orgs = [OrganisationFactory(slug=f"spread-{i}") for i in range(3)]
    r = _empty_queues()
    assert dispatch("rollups") == 3
    messages = [json.loads(m) for m in r.lrange("ingest", 0, -1)]
    assert [r.llen(q) for q in QUEUES if q != "ingest"] == [0, 0, 0, 0]
    assert len(messages) == 3
    published = {}
    for m in messages:
        headers = m["headers"]
        assert headers["task"] == "xmo.run_job"
        args = json.loads(__import__("base64").b64decode(m["body"]))[0]
        published[args[1]] = headers["eta"]
    assert set(published) == {o.pk for o in orgs}
    # A run is delayed by its organisation's offset; an offset of 0 (one in `window`) is sent
    # at once, without an eta.
    job = load_jobs()["rollups"]
    assert {pk: bool(eta) for pk, eta in published.items()} == {
        o.pk: spread_offset(job, o.pk) > 0 for o in orgs
    }
    r.delete("ingest")


@pytest.mark.redis
@pytest.mark.django_db
def test_dispatch_publishes_one_run_of_an_installation_wide_job_to_its_queue():

    OrganisationFactory.create_batch(2)
    r = _empty_queues()
    assert dispatch("response_partitions") == 1
    messages = [json.loads(m) for m in r.lrange("maintenance", 0, -1)]
    assert [r.llen(q) for q in QUEUES if q != "maintenance"] == [0, 0, 0, 0]
    assert len(messages) == 1
    args = json.loads(__import__("base64").b64decode(messages[0]["body"]))[0]
    assert args == ["response_partitions", None]
    r.delete("maintenance")


@pytest.mark.redis
@pytest.mark.django_db
def test_dispatch_at_once_publishes_every_run_now_and_none_expires():
    """One full cycle on demand (bench/orgs.py): no offset, no expiry."""
    import base64

    orgs = [OrganisationFactory(slug=f"at-once-{i}") for i in range(3)]
    r = _empty_queues()
    assert dispatch("draft_monthly_reports", at_once=True) == 3
    messages = [json.loads(m) for m in r.lrange("reports", 0, -1)]
    assert sorted(json.loads(base64.b64decode(m["body"]))[0][1] for m in messages) == sorted(
        o.pk for o in orgs
    )
    assert [(m["headers"]["eta"], m["headers"]["expires"]) for m in messages] == [(None, None)] * 3
    r.delete("reports")


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(queues: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "xmo", "worker", "--pool=solo", "-Q", queues]
        + ["--concurrency=1", "-n", f"q-{queues}-{uuid.uuid4().hex[:6]}@%h"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_different_queues_each_run_only_their_jobs(org_a):
    import time

    from xmo.celery import app

    app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "1",
        "XMO_TESTING": "0",
    }
    ingest, notify = _worker("ingest", env), _worker("notify", env)
    try:
        assert enqueue("rollups", org_a.pk)
        assert enqueue("send_notification_emails", org_a.pk)
        deadline = time.time() + 120
        done = {}
        while time.time() < deadline and len(done) < 2:
            done = dict(
                JobRun.objects.filter(
                    organisation=org_a,
                    name__in=["rollups", "send_notification_emails"],
                    status="succeeded",
                ).values_list("name", "holder")
            )
            time.sleep(0.5)
        assert set(done) == {"rollups", "send_notification_emails"}, done
        time.sleep(3)  # a copy delivered to the other worker's queue would have run by now
        runs = JobRun.objects.filter(
            organisation=org_a, name__in=["rollups", "send_notification_emails"]
        )
        assert sorted(runs.values_list("name", flat=True)) == [
            "rollups",
            "send_notification_emails",
        ]
        # The holder is host:pid:run; the solo pool runs jobs in the worker's own process.
        assert done["rollups"].split(":")[1] == str(ingest.pid)
        assert done["send_notification_emails"].split(":")[1] == str(notify.pid)
    finally:
        for w in (ingest, notify):
            w.terminate()
        for w in (ingest, notify):
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
