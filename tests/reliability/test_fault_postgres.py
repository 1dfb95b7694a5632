"""PostgreSQL restarts while a push is in flight: a clear 503, the retry succeeds, no partial batch.

The database is a private throw-away cluster (never the machine's shared server), seeded with
a copy of the test database; the app runs under gunicorn with production settings.
"""

import datetime
import subprocess
import threading

import psycopg
import pytest
import requests
from django.utils import timezone

from tests.factories import ApiTokenFactory, ServiceFactory

from .procs import Gunicorn, PrivateCluster, _pg_bin, django_env, test_database_url, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/survey-responses/"


def _batch(start, size):
    when = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    return [
        {"external_id": f"pg-{n}", "service": "service-desk", "score": 7, "submitted_at": when}
        for n in range(start, start + size)
    ]


@pytest.fixture
def cluster():
    cluster = PrivateCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def _copy_test_database_into(cluster):
    cluster.execute("CREATE DATABASE xmo")
    dump = subprocess.run(
        [_pg_bin("pg_dump") or "pg_dump", "--no-owner", "--no-privileges", test_database_url()],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [_pg_bin("psql") or "psql", "-q", "-v", "ON_ERROR_STOP=1", cluster.url("xmo")],
        input=dump,
        check=True,
        capture_output=True,
    )


def _count(cluster, prefix):
    with psycopg.connect(cluster.url("xmo"), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*), count(DISTINCT external_id) FROM experience_surveyresponse"
            " WHERE external_id LIKE %s",
            [prefix + "%"],
        ).fetchone()


def test_push_in_flight_during_a_restart_gets_503_and_the_retry_stores_it_whole(org_a, cluster):
    ServiceFactory(organisation=org_a, slug="service-desk")
    _, key = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["ingest"])
    _copy_test_database_into(cluster)
    server = Gunicorn(django_env(cluster.url("xmo")), workers=1, threads=4)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        warm = requests.post(server.base + URL, json=_batch(0, 10), headers=headers, timeout=10)
        assert warm.status_code == 201, warm.text

        # Hold the table so the next push is certainly inside its transaction when the
        # database goes down.
        blocker = psycopg.connect(cluster.url("xmo"))
        blocker.execute("LOCK TABLE experience_surveyresponse IN ACCESS EXCLUSIVE MODE")
        batch = _batch(1000, 2000)
        result = {}

        def push():
            result["response"] = requests.post(
                server.base + URL, json=batch, headers=headers, timeout=30
            )

        thread = threading.Thread(target=push)
        thread.start()

        def push_is_waiting():
            with psycopg.connect(cluster.url("xmo"), autocommit=True) as conn:
                return conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                ).fetchone()[0]

        wait_until(push_is_waiting, 10, "the push to wait for the table")
        cluster.stop("fast")
        thread.join(timeout=20)
        blocker.close()
        failed = result["response"]
        assert failed.status_code == 503, failed.text
        assert failed.headers["Content-Type"].startswith("application/json")
        assert failed.headers["Retry-After"].isdigit()
        assert "detail" in failed.json() and "database" in failed.json()["detail"].lower()

        # While it is down, every push is the same clear 503 (never a 500 HTML page).
        down = requests.post(server.base + URL, json=_batch(5000, 5), headers=headers, timeout=15)
        assert down.status_code == 503
        assert down.json()["detail"]
        # A page that needs the session (hence the database) is a 503 page, not a 500.
        page = requests.get(
            server.base + "/", cookies={"sessionid": "x" * 32}, timeout=15, allow_redirects=False
        )
        assert page.status_code == 503, page.status_code
        assert "Retry-After" in page.headers

        cluster.start()
        assert _count(cluster, "pg-") == (10, 10)  # nothing of the interrupted batch
        retry = requests.post(server.base + URL, json=batch, headers=headers, timeout=30)
        assert retry.status_code == 201, retry.text
        assert retry.json() == {"received": 2000, "created": 2000, "duplicates": 0}
        again = requests.post(server.base + URL, json=batch, headers=headers, timeout=30)
        assert again.json() == {"received": 2000, "created": 0, "duplicates": 2000}
    finally:
        server.stop()
    assert _count(cluster, "pg-") == (2010, 2010)
