"""The read replica (xmo/replica.py) against a real streaming standby of the test cluster.

.ci/replica starts the standby and prints XMO_TEST_REPLICA_URL. The replica alias points at
this worker's own test database (test_..._gw0), which was created on the primary and so
exists on the standby too; the tests are transactional because rows inside an open test
transaction are never replicated. The tests that pause or stop the standby take a lock that
keeps the other pytest-xdist workers' replica tests out meanwhile.
"""

import fcntl
import logging
import os
import subprocess
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from experience.models import Service
from tests.factories import (
    ApiTokenFactory,
    MembershipFactory,
    NotificationFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
    XLAFactory,
)
from tests.reliability.procs import free_port
from xmo import replica
from xmo.env import replica_database
from xmo.jobs import run_job
from xmo.models import ApiToken

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, replica.REPLICA]),
]

ROOT = Path(__file__).resolve().parents[2]
LOCK_FILE = Path(tempfile.gettempdir()) / "xmo-replica-tests.lock"
SERVICES_URL = "/api/v1/services/"


@contextmanager
def _standby_lock(exclusive: bool):
    with open(LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _forget_connection():
    if replica.REPLICA in connections.settings:
        connections[replica.REPLICA].close()
        with suppress(AttributeError):  # never opened in this thread
            del connections[replica.REPLICA]
    replica.forget()


def _use_replica(url: str):
    """The replica alias on this worker's test database, as settings would define it."""
    _forget_connection()
    database = replica_database(url)
    database["NAME"] = connection.settings_dict["NAME"]
    configured = connections.configure_settings(
        {DEFAULT_DB_ALIAS: connection.settings_dict, replica.REPLICA: database}
    )[replica.REPLICA]
    # Set once the test databases exist, "mirror" only keeps Django from flushing the
    # read-only standby after each test; the alias still connects to the standby.
    configured["TEST"]["MIRROR"] = DEFAULT_DB_ALIAS
    connections.settings[replica.REPLICA] = configured


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(django_db_setup):
    """Defined before the tests' database set-up, which must allow the alias."""
    _use_replica(os.environ["XMO_TEST_REPLICA_URL"])
    yield
    _forget_connection()
    del connections.settings[replica.REPLICA]


@contextmanager
def _replica(settings, *, exclusive: bool):
    # A generous limit: other work on the shared cluster must not make these tests flaky.
    settings.REPLICA_MAX_LAG_SECONDS = 60
    with _standby_lock(exclusive):
        replica.forget()
        wait_for_replay()
        yield
        replica.forget()


@pytest.fixture
def standby(settings):
    with _replica(settings, exclusive=False):
        yield


@pytest.fixture
def standby_alone(settings):
    """The standby, with no other worker's replica test running: this test pauses or stops it."""
    with _replica(settings, exclusive=True):
        yield


def _on_standby(sql: str, params=()):
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for_replay(timeout: float = 30.0) -> None:
    """Until the standby has replayed all the primary has written so far (the test database
    itself, the first time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if _on_standby("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
                return
        except Exception:
            connections[replica.REPLICA].close()
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"the standby has not replayed {lsn} after {timeout} s")
        time.sleep(0.05)


def _reader(*, used_recently: bool = True):
    """An organisation and a read token; one used a moment ago is not written to when used."""
    org = OrganisationFactory()
    token, raw = ApiTokenFactory.create_with_key(
        organisation=org, scopes=["read"], last_used_at=timezone.now() if used_recently else None
    )
    return org, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _services_read(queries) -> bool:
    return any('"experience_service"' in q["sql"] for q in queries.captured_queries)


def test_reads_of_a_safe_request_come_from_the_standby(standby, client):
    org, auth = _reader()
    ServiceFactory(organisation=org, slug="service-desk")
    wait_for_replay()

    with replica.reads():
        alias = router.db_for_read(Service)
        assert alias == replica.REPLICA
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True
        assert router.db_for_write(Service) == DEFAULT_DB_ALIAS
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        response = client.get(SERVICES_URL, **auth)
    assert response.status_code == 200
    assert [s["slug"] for s in response.json()["results"]] == ["service-desk"]
    assert _services_read(on_replica)

    body = client.get("/readyz").json()
    assert (body["status"], body["replica"]) == ("ok", "ok")


def test_a_request_that_wrote_reads_the_primary_afterwards(standby, client):
    """A token's first use records last_used_at: that request's later reads use the primary."""
    org, auth = _reader(used_recently=False)
    ServiceFactory(organisation=org, slug="service-desk")
    wait_for_replay()

    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        first = client.get(SERVICES_URL, **auth)
    assert first.status_code == 200 and len(first.json()["results"]) == 1
    assert not _services_read(on_replica)

    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        second = client.get(SERVICES_URL, **auth)
    assert second.json() == first.json()
    assert _services_read(on_replica)


def test_a_session_reads_the_primary_for_a_few_seconds_after_a_write(standby, client):
    user = UserFactory()
    org = MembershipFactory(user=user, role="member").organisation
    NotificationFactory(organisation=org, recipient=user, title="Breach flagged")
    client.force_login(user)
    wait_for_replay()

    def notifications_read_on_replica() -> bool:
        with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
            response = client.get("/notifications/")
        assert response.status_code == 200
        assert "Breach flagged" in response.content.decode()
        return any('"xmo_notification"' in q["sql"] for q in on_replica.captured_queries)

    assert notifications_read_on_replica()
    started = time.time()
    assert client.post("/notifications/read-all/").status_code == 302
    until = client.session[replica.PIN_SESSION_KEY]
    assert started + replica.pin_seconds() <= until <= time.time() + replica.pin_seconds()
    assert not notifications_read_on_replica()
    assert client.session[replica.PIN_SESSION_KEY] == until  # reading does not extend it

    session = client.session
    session[replica.PIN_SESSION_KEY] = time.time() - 1  # the window has passed
    session.save()
    wait_for_replay()
    assert notifications_read_on_replica()


def test_xla_evaluation_reads_from_the_standby(standby):
    org = OrganisationFactory()
    XLAFactory(organisation=org, name="Desk XLA")
    wait_for_replay()
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        result = run_job("evaluate_xlas", org.pk)
    assert result[org.slug]["xlas"] == 1
    assert any('"xlas_xla"' in q["sql"] for q in on_replica.captured_queries)
    # The job's bookkeeping (lease, run record) is always read from the primary.
    assert not any('"xmo_joblock"' in q["sql"] for q in on_replica.captured_queries)


def _get_services(client, auth) -> tuple[list[str], str]:
    """The services listed, and which database they were read from."""
    # A token used within the minute is not written to, so the request stays a pure read
    # however long the test waited for the standby.
    ApiToken.objects.update(last_used_at=timezone.now())
    # Watched on the primary: a capture on a replica that is down would fail to connect.
    with CaptureQueriesContext(connection) as on_primary:
        response = client.get(SERVICES_URL, **auth)
    assert response.status_code == 200
    slugs = sorted(s["slug"] for s in response.json()["results"])
    return slugs, "primary" if _services_read(on_primary) else "replica"


def _wait_for_state(wanted: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        replica.forget()
        if replica.state() == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert replica.health()[0] == wanted, replica.health()


def _warnings(caplog, state: str) -> int:
    return sum(f"database replica: {state}" in r.getMessage() for r in caplog.records)


def test_a_lagging_standby_is_left_aside(standby_alone, client, settings, caplog):
    caplog.set_level(logging.INFO, logger="xmo.replica")
    org, auth = _reader()
    ServiceFactory(organisation=org, slug="before")
    wait_for_replay()
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    _on_standby("SELECT pg_wal_replay_pause() IS NULL")
    try:
        ServiceFactory(organisation=org, slug="after")  # received, not replayed
        time.sleep(1.0)
        replica.forget()
        assert _get_services(client, auth) == (["after", "before"], "primary")
        assert _get_services(client, auth) == (["after", "before"], "primary")
        body = client.get("/readyz").json()
        assert (body["status"], body["replica"]) == ("degraded", "lagging")
        assert body["reason"].startswith("replica: ") and "behind" in body["reason"]
        assert _warnings(caplog, "lagging") == 1  # once per change, not per read
    finally:
        _on_standby("SELECT pg_wal_replay_resume() IS NULL")
    wait_for_replay()
    _wait_for_state("ok")
    assert _get_services(client, auth) == (["after", "before"], "replica")


def test_a_stopped_replica_is_left_aside_until_it_answers_again(standby, client, caplog):
    """Stopped: nothing listens on its port (pausing and restarting the real standby can take a
    minute on a busy cluster, so the alias is pointed at a closed port instead)."""
    caplog.set_level(logging.INFO, logger="xmo.replica")
    org, auth = _reader()
    ServiceFactory(organisation=org, slug="service-desk")
    wait_for_replay()
    url = os.environ["XMO_TEST_REPLICA_URL"]
    closed = urlunsplit(urlsplit(url)._replace(netloc=f"postgres@127.0.0.1:{free_port()}"))
    _use_replica(closed)
    try:
        replica.forget()
        assert _get_services(client, auth) == (["service-desk"], "primary")
        assert _get_services(client, auth) == (["service-desk"], "primary")
        body = client.get("/readyz").json()
        assert (body["status"], body["database"], body["replica"]) == ("degraded", "ok", "down")
        assert body["reason"].startswith("replica: OperationalError")
        assert _warnings(caplog, "down") == 1  # once per change, not per read
    finally:
        _use_replica(url)
    _wait_for_state("ok")
    assert _get_services(client, auth) == (["service-desk"], "replica")
    assert _warnings(caplog, "ok") == 1


def _standby_script(*args: str) -> None:
    port = str(urlsplit(os.environ["XMO_TEST_REPLICA_URL"]).port or 5432)
    subprocess.run(
        ["bash", str(ROOT / ".ci" / "replica"), *args],
        env={**os.environ, "XMO_REPLICA_PORT": port},
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_a_stopped_standby_is_left_aside_until_it_is_back(standby_alone, client, caplog):
    """The real standby stopped with pg_ctl (.ci/replica stop), then started again."""
    caplog.set_level(logging.INFO, logger="xmo.replica")
    org, auth = _reader()
    ServiceFactory(organisation=org, slug="service-desk")
    wait_for_replay()
    _standby_script("stop")
    try:
        replica.forget()
        assert _get_services(client, auth) == (["service-desk"], "primary")
        body = client.get("/readyz").json()
        assert (body["status"], body["replica"]) == ("degraded", "down")
        assert _warnings(caplog, "down") == 1
    finally:
        _standby_script()  # waits until it accepts connections again
    _wait_for_state("ok")
    assert _get_services(client, auth) == (["service-desk"], "replica")
