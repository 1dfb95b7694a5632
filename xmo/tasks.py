from celery import shared_task

from xmo.jobs import RUN_JOB_TASK, dispatch, run_job


@shared_task(name=RUN_JOB_TASK, acks_late=True, ignore_result=True)
def run_job_task(name: str, org_id: int | None = None, **kwargs):
    """Run one registered job (idempotent) for one organisation or all of them."""
    return run_job(name, org_id=org_id, **kwargs)


@shared_task(name="xmo.dispatch_job", ignore_result=True)
def dispatch_job_task(name: str):
    """Beat's tick: publish the job for each organisation to its queue (xmo.jobs.dispatch)."""
    return dispatch(name)
