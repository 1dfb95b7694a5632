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
import traceback
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
    lease_seconds: int = 1800
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
]


def job(
    name: str,
    *,
    description: str,
    order: int = 100,
    per_org: bool = True,
    every_seconds: int | None = None,
    crontab: dict | None = None,
    lease_seconds: int = 1800,
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


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire_lease(key: str, seconds: int) -> bool:
    from .models import JobLock

    now = timezone.now()
    JobLock.objects.filter(key=key, expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            JobLock.objects.create(
                key=key,
                holder=_holder(),
                acquired_at=now,
                expires_at=now + timedelta(seconds=seconds),
            )
        return True
    except IntegrityError:
        return False


def release_lease(key: str) -> None:
    from .models import JobLock

    JobLock.objects.filter(key=key, holder=_holder()).delete()


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
    if not acquire_lease(key, j.lease_seconds):
        JobRun.objects.create(
            name=j.name, organisation=org, status=JobStatus.SKIPPED, finished_at=timezone.now()
        )
        return {"status": "skipped"}
    run = JobRun.objects.create(name=j.name, organisation=org)
    try:
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
        release_lease(key)


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
