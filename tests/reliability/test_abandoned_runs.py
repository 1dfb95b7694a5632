"""A run whose worker died is marked abandoned; a run that found the lease held is counted.

A worker killed with SIGKILL never writes its run's final status, so the run said "running"
for ever. A running run without a live lease cannot finish: the next job run and the
Background jobs page mark it abandoned. Runs that skip because the lease is held no longer
write a row each: the skip is counted on the latest run.
"""

import datetime
import logging
import subprocess
import sys
import textwrap

import pytest
import time_machine
from django.db import OperationalError

from tests.factories import OrganisationFactory
from xmo import jobs
from xmo.choices import JobStatus
from xmo.models import JobLock, JobRun

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)  # a DST change in Europe


@pytest.fixture
def echo_job(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "REGISTRY", {})
    monkeypatch.setattr(jobs, "_modules_loaded", True)

    @jobs.job("echo", description="Echo for tests", lease_seconds=60)
    def echo(org, **kwargs):
        calls.append(org.slug)
        return {"echoed": org.slug}

    return calls


def _held(key, holder, *, expires_at):
    return JobLock.objects.create(
        key=key,
        holder=holder,
        acquired_at=expires_at - datetime.timedelta(seconds=60),
        expires_at=expires_at,
    )


def _running(name, org, holder):
    return JobRun.objects.create(name=name, organisation=org, holder=holder)


def test_a_running_run_is_abandoned_once_its_lease_has_expired(org_a):
    expires = T0 + datetime.timedelta(seconds=300)
    _held(f"job:echo:{org_a.pk}", "worker-host:4242:abc", expires_at=expires)
    run = _running("echo", org_a, "worker-host:4242:abc")

    assert jobs.mark_abandoned_runs(now=expires - datetime.timedelta(seconds=1)) == 0
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.RUNNING

    noticed = expires + datetime.timedelta(seconds=1)
    assert jobs.mark_abandoned_runs(now=noticed) == 1
    run.refresh_from_db()
    assert run.status == JobStatus.ABANDONED
    assert run.finished_at == noticed
    assert "worker stopped" in run.error
    assert jobs.mark_abandoned_runs(now=noticed) == 0  # once


def test_a_run_whose_lease_is_gone_is_abandoned_and_a_live_one_is_left_alone(org_a, org_b):
    live_until = T0 + datetime.timedelta(seconds=300)
    _held(f"job:echo:{org_b.pk}", "host:1:live", expires_at=live_until)
    live = _running("echo", org_b, "host:1:live")
    gone = _running("echo", org_a, "host:2:gone")  # its lease was taken over or deleted
    legacy = JobRun.objects.create(name="echo", organisation=org_a)  # no holder recorded
    legacy_live = JobRun.objects.create(name="echo", organisation=org_b)

    assert jobs.mark_abandoned_runs(now=T0) == 2
    statuses = dict(JobRun.objects.values_list("pk", "status"))
    assert statuses[gone.pk] == statuses[legacy.pk] == JobStatus.ABANDONED
    assert statuses[live.pk] == statuses[legacy_live.pk] == JobStatus.RUNNING


def test_organisation_scope_marks_only_that_organisations_runs(org_a, org_b):
    a = _running("echo", org_a, "host:1:a")
    b = _running("echo", org_b, "host:1:b")
    assert jobs.mark_abandoned_runs(now=T0, organisation=org_a) == 1
    assert JobRun.objects.get(pk=a.pk).status == JobStatus.ABANDONED
    assert JobRun.objects.get(pk=b.pk).status == JobStatus.RUNNING


def test_the_next_run_of_the_job_marks_the_dead_run_abandoned(org_a, echo_job):
    with time_machine.travel(T0, tick=False):
        _held(f"job:echo:{org_a.pk}", "other-host:7:dead", expires_at=T0)
        dead = _running("echo", org_a, "other-host:7:dead")
    with time_machine.travel(T0 + datetime.timedelta(minutes=10), tick=False):
        assert jobs.run_job("echo", org_a.pk) == {org_a.slug: {"echoed": org_a.slug}}
    dead.refresh_from_db()
    assert dead.status == JobStatus.ABANDONED
    assert dead.finished_at == T0 + datetime.timedelta(minutes=10)
    fresh = JobRun.objects.exclude(pk=dead.pk).get()
    assert fresh.status == JobStatus.SUCCEEDED and fresh.holder
    assert echo_job == [org_a.slug]


def test_skipped_runs_are_counted_on_the_run_holding_the_lease(org_a, echo_job):
    with time_machine.travel(T0, tick=False):
        holder = jobs.acquire_lease(f"job:echo:{org_a.pk}", 60)
        holding = _running("echo", org_a, holder)
        for _ in range(42):
            assert jobs.run_job("echo", org_a.pk) == {org_a.slug: {"status": "skipped"}}
    assert JobRun.objects.count() == 1
    holding.refresh_from_db()
    assert holding.skipped_count == 42
    assert holding.status == JobStatus.RUNNING
    assert echo_job == []


def test_a_skip_with_no_earlier_run_writes_one_row_and_counts_on_it(org_a, echo_job):
    with time_machine.travel(T0, tick=False):
        _held(f"job:echo:{org_a.pk}", "other-host:1:run", expires_at=T0 + datetime.timedelta(1))
        for _ in range(3):
            jobs.run_job("echo", org_a.pk)
    row = JobRun.objects.get()
    assert (row.status, row.skipped_count) == (JobStatus.SKIPPED, 3)


def test_background_jobs_page_shows_abandoned_runs_and_skip_counts(users, login, org_a, echo_job):
    _held(f"job:echo:{org_a.pk}", "other-host:9:run", expires_at=T0)
    dead = _running("echo", org_a, "other-host:9:run")
    done = JobRun.objects.create(
        name="echo", organisation=org_a, status=JobStatus.SUCCEEDED, skipped_count=5
    )
    JobRun.objects.filter(pk=done.pk).update(finished_at=done.started_at)
    with time_machine.travel(T0 + datetime.timedelta(minutes=5), tick=False):
        response = login(users["admin"]).get("/settings/jobs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="abandoned"' in html
    assert "Abandoned (its worker stopped)" in html
    assert "means the worker stopped" in html
    assert 'data-skipped="5"' in html and "5 later runs skipped" in html
    assert JobRun.objects.get(pk=dead.pk).status == JobStatus.ABANDONED


def test_other_organisations_runs_are_not_touched_by_the_page(users, login, org_a, echo_job):
    other = OrganisationFactory(slug="org-other")
    theirs = _running("echo", other, "other-host:9:theirs")
    with time_machine.travel(T0, tick=False):
        login(users["admin"]).get("/settings/jobs/")
    assert JobRun.objects.get(pk=theirs.pk).status == JobStatus.RUNNING


# -- renewing a lease on a busy SQLite database ----------------------------------------------


def test_a_locked_database_during_renewal_is_retried_quietly(org_a, monkeypatch, caplog):
    monkeypatch.setattr(jobs, "RENEW_RETRY_SECONDS", 0.01)
    key = "job:test:busy"
    with time_machine.travel(T0, tick=False):
        holder = jobs.acquire_lease(key, 60)
    real_renew = jobs.renew_lease
    attempts = []

    def flaky_renew(*args):
        attempts.append(1)
        if len(attempts) <= 2:
            raise OperationalError("database is locked")
        return real_renew(*args)

    monkeypatch.setattr(jobs, "renew_lease", flaky_renew)
    caplog.set_level(logging.DEBUG, logger="xmo.jobs")
    with time_machine.travel(T0 + datetime.timedelta(seconds=20), tick=False):
        assert jobs._LeaseKeeper(key, holder, 60).renew() is True
    assert len(attempts) == 3
    assert JobLock.objects.get(key=key).expires_at == T0 + datetime.timedelta(seconds=80)
    assert not caplog.records  # quiet: no line at all when a retry succeeds


def test_a_database_locked_for_every_attempt_gives_one_line_and_no_traceback(
    org_a, monkeypatch, caplog, capsys
):
    monkeypatch.setattr(jobs, "RENEW_RETRY_SECONDS", 0.01)

    def locked(*args):
        raise OperationalError("database is locked")

    monkeypatch.setattr(jobs, "renew_lease", locked)
    caplog.set_level(logging.DEBUG, logger="xmo.jobs")
    assert jobs._LeaseKeeper("job:rollups:1", "h", 300).renew() is False
    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "job:rollups:1 not renewed this time (database is locked)" in record.getMessage()
    assert "Traceback" not in capsys.readouterr().err


def test_the_lease_keeper_thread_survives_locked_renewals(org_a, monkeypatch, caplog):
    """The real thread, a 3-second lease (renewed every second), a database locked twice."""
    monkeypatch.setattr(jobs, "RENEW_RETRY_SECONDS", 0.01)
    calls = []

    def renew(key, holder, seconds):
        calls.append(1)
        if len(calls) <= 2:
            raise OperationalError("database is locked")
        return True

    monkeypatch.setattr(jobs, "renew_lease", renew)
    caplog.set_level(logging.WARNING, logger="xmo.jobs")
    import time

    with jobs._LeaseKeeper("job:test:thread", "h", 3):
        deadline = time.monotonic() + 10
        while len(calls) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(calls) >= 4
    assert not [r for r in caplog.records if r.exc_info]


# -- a real SIGKILL ----------------------------------------------------------------------------

SLEEPER = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from xmo import jobs
    jobs.REGISTRY.clear()
    jobs._modules_loaded = True

    @jobs.job("sleeper", description="sleeps", lease_seconds=30)
    def sleeper(org):
        time.sleep(120)

    jobs.run_job("sleeper", int(sys.argv[1]))
    """
)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_job_process_killed_with_sigkill_leaves_an_abandoned_run(org_a, monkeypatch):
    from .procs import ROOT, django_env, kill_group, test_database_url, wait_until

    proc = subprocess.Popen(
        [sys.executable, "-c", SLEEPER, str(org_a.pk)],
        cwd=ROOT,
        env=django_env(test_database_url()),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        run = wait_until(
            lambda: JobRun.objects.filter(name="sleeper", status=JobStatus.RUNNING).first(),
            30,
            "the sleeper job to start",
        )
        lock = JobLock.objects.get(key=f"job:sleeper:{org_a.pk}")
        assert lock.holder == run.holder
    finally:
        kill_group(proc)  # SIGKILL: no finally block of the job runs
    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING  # what the outside test run saw, for ever

    # While the lease would still be valid, nothing changes; once it has expired, the run is
    # abandoned.
    assert jobs.mark_abandoned_runs(now=lock.expires_at - datetime.timedelta(seconds=1)) == 0
    assert jobs.mark_abandoned_runs(now=lock.expires_at + datetime.timedelta(seconds=1)) == 1
    run.refresh_from_db()
    assert run.status == JobStatus.ABANDONED

    # The next run of the job takes over the dead process's lease at once and succeeds.
    monkeypatch.setattr(jobs, "REGISTRY", {})
    monkeypatch.setattr(jobs, "_modules_loaded", True)
    jobs.job("sleeper", description="sleeps", lease_seconds=30)(lambda org: {"slept": 0})
    assert jobs.run_job("sleeper", org_a.pk) == {org_a.slug: {"slept": 0}}
    assert list(
        JobRun.objects.filter(name="sleeper")
        .order_by("started_at")
        .values_list("status", flat=True)
    ) == [JobStatus.ABANDONED, JobStatus.SUCCEEDED]
