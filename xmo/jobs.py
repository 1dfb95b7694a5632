"""The background job registry.

A job is a plain function `fn(org, **kwargs) -> dict` registered with `@job(...)`. The one
Celery task `xmo.run_job(name, org_id)` runs any of them; beat schedules them from here;
`manage.py run_job` runs them in the foreground. Each run is recorded as a JobRun and
holds a lease (JobLock) so the same job never runs twice at once for the same organisation.
Jobs must be idempotent: running one twice changes nothing more.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable
    description: str
    order: int = 100
    per_org: bool = True
    schedule: dict = field(default_factory=dict)  # {"seconds": 60} or {"crontab": {...}}
    lease_seconds: int = 300
    on_demand: bool = False  # run only when asked by name (e.g. a full rebuild), never by "all"


REGISTRY: dict[str, Job] = {}
_modules_loaded = False

# Modules whose import registers jobs (each app's jobs.py).
JOB_MODULES = [
    "experience.jobs",
    "xlas.jobs",
    "feedback.jobs",
    "meetings.jobs",
    "reports.jobs",
    "xmo.webhooks.jobs",
]


def job(
    name: str,
    *,
    description: str,
    order: int = 100,
    per_org: bool = True,
    every_seconds: int | None = None,
    crontab: dict | None = None,
    lease_seconds: int = 300,
    on_demand: bool = False,
):
    def decorator(fn):
        schedule = {}
        if every_seconds:
            schedule = {"seconds": every_seconds}
        elif crontab:
            schedule = {"crontab": crontab}
        REGISTRY[name] = Job(
            name, fn, description, order, per_org, schedule, lease_seconds, on_demand
        )
        return fn

    return decorator


def load_jobs() -> dict[str, Job]:
    global _modules_loaded
    if not _modules_loaded:
        import importlib

        for module in JOB_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
        _modules_loaded = True
    return REGISTRY


def ordered_jobs(*, include_on_demand: bool = False) -> list[Job]:
    """The jobs in dependency order; on-demand jobs only when asked for."""
    jobs = [j for j in load_jobs().values() if include_on_demand or not j.on_demand]
    return sorted(jobs, key=lambda j: (j.order, j.name))


def beat_schedule() -> dict:
    from celery.schedules import crontab

    schedule = {}
    for j in ordered_jobs():
        if "seconds" in j.schedule:
            when = timedelta(seconds=j.schedule["seconds"])
        elif "crontab" in j.schedule:
            when = crontab(**j.schedule["crontab"])
        else:
            continue
        schedule[j.name] = {
            "task": "xmo.run_job",
            "schedule": when,
            "args": (j.name,),
            # A beat tick that finds no worker should not pile up; the next tick will do.
            "options": {
                "expires": max(
                    30, int(when.total_seconds()) if hasattr(when, "total_seconds") else 3600
                )
            },
        }
    return schedule


# A lease is short and renewed while its job runs, so a worker that dies (SIGKILL, lost
# machine) blocks the next run for at most one lease; a holder on this machine whose process
# is gone is recognised at once.
RENEW_FRACTION = 3


def _holder() -> str:
    """host:pid:run — the run part tells two runs of one process (threads) apart."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _holder_is_dead(holder: str) -> bool:
    """True only when the holder ran on this machine and its process no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname()[:60] or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but belongs to someone else
        return False
    return False


def acquire_lease(key: str, seconds: int) -> str | None:
    """Take the lease `key` for `seconds`; returns the holder string, or None when it is held."""
    from .models import JobLock

    now = timezone.now()
    JobLock.objects.filter(key=key, expires_at__lt=now).delete()
    current = JobLock.objects.filter(key=key).values_list("holder", flat=True).first()
    if current is not None and _holder_is_dead(current):
        logger.warning("lease %s: holder %s is gone; taking over", key, current)
        JobLock.objects.filter(key=key, holder=current).delete()
    holder = _holder()
    try:
        with transaction.atomic():
            JobLock.objects.create(
                key=key,
                holder=holder,
                acquired_at=now,
                expires_at=now + timedelta(seconds=seconds),
            )
        return holder
    except IntegrityError:
        return None


def renew_lease(key: str, holder: str, seconds: int) -> bool:
    from .models import JobLock

    expires = timezone.now() + timedelta(seconds=seconds)
    return JobLock.objects.filter(key=key, holder=holder).update(expires_at=expires) == 1


def release_lease(key: str, holder: str) -> None:
    from .models import JobLock

    JobLock.objects.filter(key=key, holder=holder).delete()


class _LeaseKeeper:
    """Renews a lease from a background thread while the job runs."""

    def __init__(self, key: str, holder: str, seconds: int):
        self.key, self.holder, self.seconds = key, holder, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease {key}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        from django.db import connection

        try:
            while not self._stop.wait(max(1.0, self.seconds / RENEW_FRACTION)):
                try:
                    if not renew_lease(self.key, self.holder, self.seconds):
                        logger.warning("lease %s was lost while its job ran", self.key)
                except Exception:
                    logger.warning("could not renew lease %s", self.key, exc_info=True)
        finally:
            connection.close()


def run_job(name: str, org_id: int | None = None, **kwargs) -> dict:
    """Run a job now (for one organisation, or each organisation when org_id is None)."""
    from .models import Organisation

    jobs = load_jobs()
    if name not in jobs:
        raise KeyError(f"Unknown job {name!r}. Known jobs: {', '.join(sorted(jobs)) or 'none'}")
    j = jobs[name]
    if not j.per_org:
        return {"all": _run_one(j, None, **kwargs)}
    orgs = Organisation.objects.all() if org_id is None else Organisation.objects.filter(pk=org_id)
    return {org.slug: _run_one(j, org, **kwargs) for org in orgs.order_by("pk")}


def _run_one(j: Job, org, **kwargs) -> dict:
    from .choices import JobStatus
    from .models import JobRun

    key = f"job:{j.name}:{org.pk if org else '-'}"
    holder = acquire_lease(key, j.lease_seconds)
    if holder is None:
        JobRun.objects.create(
            name=j.name, organisation=org, status=JobStatus.SKIPPED, finished_at=timezone.now()
        )
        return {"status": "skipped"}
    run = JobRun.objects.create(name=j.name, organisation=org)
    try:
        with _LeaseKeeper(key, holder, j.lease_seconds):
            result = j.fn(org, **kwargs) if j.per_org else j.fn(**kwargs)
        run.status = JobStatus.SUCCEEDED
        run.result = result if isinstance(result, dict) else {"result": result}
        return run.result
    except Exception:
        run.status = JobStatus.FAILED
        run.error = traceback.format_exc()[-4000:]
        logger.exception("job %s failed for %s", j.name, org)
        raise
    finally:
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "result", "error", "finished_at"])
        release_lease(key, holder)


def enqueue(name: str, org_id: int | None = None) -> bool:
    """Publish a job to the broker without ever blocking a request for long.

    Returns False when the broker is unreachable; callers rely on the periodic sweep.
    """
    from .tasks import run_job_task

    try:
        run_job_task.apply_async(
            args=(name, org_id),
            retry=False,
            connect_timeout=2,
        )
        return True
    except Exception:  # broker down: the durable marker and the sweep cover it
        logger.warning("could not queue job %s for org %s; the periodic sweep will", name, org_id)
        return False
