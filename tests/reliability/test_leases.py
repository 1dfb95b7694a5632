"""Job leases: one run at a time, never blocked for long by a run that died."""

import datetime
import subprocess
import sys

import pytest
from django.utils import timezone

from xmo import jobs
from xmo.choices import JobStatus
from xmo.models import JobLock, JobRun

pytestmark = pytest.mark.django_db


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _hold(key, holder, seconds=300):
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=seconds)
    return JobLock.objects.create(key=key, holder=holder, acquired_at=now, expires_at=expires)


def test_a_live_holder_keeps_the_lease(org_a):
    key = f"job:rollups:{org_a.pk}"
    _hold(key, f"{jobs.socket.gethostname()}:{jobs.os.getpid()}:other-run")
    assert jobs.run_job("rollups", org_a.pk) == {org_a.slug: {"status": "skipped"}}
    assert JobRun.objects.get(name="rollups").status == JobStatus.SKIPPED


def test_a_dead_holder_on_this_machine_is_taken_over_at_once(org_a):
    key = f"job:rollups:{org_a.pk}"
    _hold(key, f"{jobs.socket.gethostname()}:{_dead_pid()}:killed")
    result = jobs.run_job("rollups", org_a.pk)
    assert result[org_a.slug] != {"status": "skipped"}
    assert JobRun.objects.get(name="rollups").status == JobStatus.SUCCEEDED
    assert not JobLock.objects.filter(key=key).exists()


def test_a_holder_on_another_machine_blocks_only_until_its_lease_expires(org_a):
    key = f"job:rollups:{org_a.pk}"
    lock = _hold(key, "another-host:1:run")
    assert jobs.run_job("rollups", org_a.pk)[org_a.slug] == {"status": "skipped"}
    lock.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    lock.save()
    assert jobs.run_job("rollups", org_a.pk)[org_a.slug] != {"status": "skipped"}


def test_the_default_lease_is_short_and_renewed_while_the_job_runs(org_a, monkeypatch):
    assert jobs.load_jobs()["rollups"].lease_seconds <= 300
    key = "job:test:renew"
    holder = jobs.acquire_lease(key, 60)
    assert holder is not None
    assert jobs.acquire_lease(key, 60) is None
    JobLock.objects.filter(key=key).update(expires_at=timezone.now())
    assert jobs.renew_lease(key, holder, 60)
    assert JobLock.objects.get(key=key).expires_at > timezone.now() + datetime.timedelta(seconds=50)
    assert not jobs.renew_lease(key, "someone-else", 60)
    jobs.release_lease(key, "someone-else")
    assert JobLock.objects.filter(key=key).exists()
    jobs.release_lease(key, holder)
    assert not JobLock.objects.filter(key=key).exists()
