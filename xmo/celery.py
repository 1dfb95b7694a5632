"""The Celery app. Every job is the one task `xmo.run_job(name, org_id)`; see xmo/jobs.py."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")

app = Celery("xmo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _load_rollup_engine(**kwargs):
    """Import the rollup aggregation (NumPy, pandas) when a worker process starts, so the
    first rollup chunk it claims does not pay for the import."""
    from django.conf import settings

    if settings.IS_POSTGRES:
        import experience.rollups.engine  # noqa: F401


@app.on_after_finalize.connect
def _install_beat_schedule(sender, **kwargs):
    from xmo.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
