from celery import shared_task


@shared_task(name="xmo.run_job", acks_late=True, ignore_result=True)
def run_job_task(name: str, org_id: int | None = None, **kwargs):
    """Run one registered job (idempotent) for one organisation or all of them."""
    from xmo.jobs import run_job

    return run_job(name, org_id=org_id, **kwargs)


@shared_task(name="xmo.dispatch_job", ignore_result=True)
def dispatch_job_task(name: str):
    """Beat's tick: publish the job for each organisation to its queue (xmo.jobs.dispatch)."""
    from xmo.jobs import dispatch

    return dispatch(name)
