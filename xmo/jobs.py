"""The background job registry.

A job is a plain function `fn(org, **kwargs) -> dict` (`fn(**kwargs)` with per_org=False)
registered with `@job(...)`. The one Celery task `xmo.run_job(name, org_id)` runs any of
them; beat schedules them from here; `manage.py run_job` runs them in the foreground. Each
job names its queue (QUEUES): beat ticks `xmo.dispatch_job(name)`, which publishes one
`xmo.run_job` per organisation to that queue, each delayed by a stable offset so that
organisations spread over the schedule. Each run is recorded as a JobRun and holds a lease
(JobLock) so the same job never runs twice at once for the same organisation. Jobs must be
idempotent: running one twice changes nothing more.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from celery import current_app
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from .queues import DEFAULT_QUEUE, QUEUES

# The one Celery task (xmo/tasks.py), published by name so that this module does not
# import the task module that imports it.
RUN_JOB_TASK = "xmo.run_job"

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
    queue: str = DEFAULT_QUEUE


# Organisations are spread over at most this share of a schedule's interval, and at most an
# hour: a job every minute starts within 30 s for every organisation, a monthly one within
# the hour after its time.
SPREAD_SHARE = 0.5
SPREAD_MAX_SECONDS = 3600

REGISTRY: dict[str, Job] = {}
_modules_loaded = False

# Modules whose import registers jobs (each app's jobs.py).
JOB_MODULES = [
    "experience.jobs",
    "xlas.jobs",
    "feedback.jobs",
    "office.jobs",
    "changes.jobs",
    "meetings.jobs",
    "reports.jobs",
    "xmo.webhooks.jobs",
    "xmo.notification_jobs",
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
    queue: str = DEFAULT_QUEUE,
):
    if queue not in QUEUES:
        raise ValueError(f"job {name!r}: unknown queue {queue!r}; known: {', '.join(QUEUES)}")

    def decorator(fn):
        schedule = {}
        if every_seconds:
            schedule = {"seconds": every_seconds}
        elif crontab:
            schedule = {"crontab": crontab}
        REGISTRY[name] = Job(
            name, fn, description, order, per_org, schedule, lease_seconds, on_demand, queue
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
            "task": "xmo.dispatch_job",
            "schedule": when,
            "args": (j.name,),
            # A beat tick that finds no worker should not pile up; the next tick will do.
            "options": {"queue": j.queue, "expires": interval_seconds(j)},
        }
    return schedule


def interval_seconds(j: Job) -> int:
    """The job's schedule interval in seconds (an hour for a calendar schedule), at least 30."""
    if "seconds" in j.schedule:
        return max(30, int(j.schedule["seconds"]))
    return 3600


def spread_offset(j: Job, org_id: int) -> int:
    """Seconds to delay this organisation's run: stable for (job, organisation), spread evenly
    over part of the interval, so a thousand organisations do not start in the same second."""
    window = int(min(interval_seconds(j) * SPREAD_SHARE, SPREAD_MAX_SECONDS))
    if window <= 1:
        return 0
    return zlib.crc32(f"{j.name}:{org_id}".encode()) % window


def dispatch(name: str, *, at_once: bool = False) -> int:
    """Publish one run of the job per organisation to the job's queue, each at its offset
    (one run for a job that is not per organisation; at_once: all now and none expiring,
    one full cycle as bench/orgs.py runs it). Returns how many runs were published."""
    from .models import Organisation

    j = load_jobs()[name]
    if not j.per_org:
        # One installation-wide run, on the job's queue like the others.
        expires = None if at_once else interval_seconds(j)
        current_app.send_task(RUN_JOB_TASK, args=(name, None), queue=j.queue, expires=expires)
        return 1
    published = 0
    for org_id in Organisation.objects.order_by("pk").values_list("pk", flat=True):
        offset = 0 if at_once else spread_offset(j, org_id)
        current_app.send_task(
            RUN_JOB_TASK,
            args=(name, org_id),
            queue=j.queue,
            countdown=offset,
            # A run not started by the next tick is dropped: the next tick publishes another.
            expires=None if at_once else offset + interval_seconds(j),
        )
        published += 1
    return published


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


# A renewal that meets a busy database (SQLite's "database is locked" while another process
# writes) is retried a few times, then left to the next tick: the lease outlives
# RENEW_FRACTION ticks, so one missed renewal costs nothing.
RENEW_ATTEMPTS = 3
RENEW_RETRY_SECONDS = 1.0


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
                self.renew()
        finally:
            connection.close()

    def renew(self) -> bool:
        """One renewal, retried quietly while the database is busy; never raises."""
        from django.db import connection

        for attempt in range(1, RENEW_ATTEMPTS + 1):
            try:
                if not renew_lease(self.key, self.holder, self.seconds):
                    logger.warning("lease %s was lost while its job ran", self.key)
                    return False
                return True
            except OperationalError as exc:
                _drop_if_broken(connection)
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or attempt == RENEW_ATTEMPTS:
                    logger.warning(
                        "lease %s not renewed this time (%s); next try in %.0f s",
                        self.key,
                        str(exc).strip() or exc.__class__.__name__,
                        self.seconds / RENEW_FRACTION,
                    )
                    return False
                if self._stop.wait(RENEW_RETRY_SECONDS * attempt):
                    return False
            except Exception as exc:
                _drop_if_broken(connection)
                logger.warning(
                    "lease %s not renewed this time (%s: %s)", self.key, type(exc).__name__, exc
                )
                return False
        return False


def _drop_if_broken(connection) -> None:
    """After a failed query, reconnect next time if the connection is unusable (not when
    SQLite was merely locked: that connection is fine)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def mark_abandoned_runs(*, now=None, organisation=None) -> int:
    """Runs still "running" whose lease is gone or expired are abandoned: their worker died.

    A run holds its lease from before its JobRun row is written until its final status is
    saved, so "running" without a live lease means nobody will finish it (SIGKILL, a lost
    machine). Called when any job starts and by the jobs page. Returns how many were marked.
    """
    from .choices import JobStatus
    from .models import JobLock, JobRun

    now = now or timezone.now()
    running = JobRun.objects.filter(status=JobStatus.RUNNING)
    if organisation is not None:
        running = running.filter(organisation=organisation)
    running = list(running.values_list("pk", "name", "organisation_id", "holder"))
    if not running:
        return 0
    live = list(JobLock.objects.filter(expires_at__gte=now).values_list("key", "holder"))
    live_holders, live_keys = {holder for _, holder in live}, {key for key, _ in live}
    dead = [
        pk
        for pk, name, org_id, holder in running
        # Rows written before runs recorded their holder: judge by the job's lease key.
        if (holder not in live_holders if holder else lease_key(name, org_id) not in live_keys)
    ]
    if not dead:
        return 0
    marked = JobRun.objects.filter(pk__in=dead, status=JobStatus.RUNNING).update(
        status=JobStatus.ABANDONED,
        finished_at=now,
        error="The worker stopped before this run finished (killed or lost); its lease expired. "
        "The job runs again on its schedule.",
    )
    if marked:
        logger.warning("marked %s job run(s) abandoned: their lease expired", marked)
    return marked


def lease_key(name: str, org_id: int | None) -> str:
    return f"job:{name}:{org_id if org_id is not None else '-'}"


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

    key = lease_key(j.name, org.pk if org else None)
    holder = acquire_lease(key, j.lease_seconds)
    if holder is None:
        _count_skip(j, org)
        return {"status": "skipped"}
    mark_abandoned_runs()
    run = JobRun.objects.create(name=j.name, organisation=org, holder=holder)
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


def _count_skip(j: Job, org) -> None:
    """Another run holds the lease: count the skip on the latest run instead of a new row."""
    from .choices import JobStatus
    from .models import JobRun

    latest = (
        JobRun.objects.filter(name=j.name, organisation=org)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is None or not JobRun.objects.filter(pk=latest).update(
        skipped_count=F("skipped_count") + 1
    ):
        JobRun.objects.create(
            name=j.name,
            organisation=org,
            status=JobStatus.SKIPPED,
            finished_at=timezone.now(),
            skipped_count=1,
        )


def enqueue(name: str, org_id: int | None = None) -> bool:
    """Publish a job to the broker without ever blocking a request for long.

    Returns False when the broker is unreachable; callers rely on the periodic sweep.
    """
    if current_app.conf.task_always_eager:  # no broker: the caller's process is the worker
        run_job(name, org_id)
        return True
    try:
        current_app.send_task(
            RUN_JOB_TASK,
            args=(name, org_id),
            queue=load_jobs()[name].queue if name in load_jobs() else DEFAULT_QUEUE,
            retry=False,
            connect_timeout=2,
        )
        return True
    except Exception:  # broker down: the durable marker and the sweep cover it
        logger.warning("could not queue job %s for org %s; the periodic sweep will", name, org_id)
        return False
