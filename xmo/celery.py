"""The Celery app. Every job is the one task `xmo.run_job(name, org_id)`; see xmo/jobs.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")

app = Celery("xmo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _install_beat_schedule(sender, **kwargs):
    from xmo.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
