"""Run background jobs now, in the foreground: one by name, or all of them in order."""

import json

from django.core.management.base import BaseCommand, CommandError

from xmo.jobs import ordered_jobs, run_job
from xmo.models import Organisation


class Command(BaseCommand):
    help = (
        "Run a background job now: run_job NAME [--org SLUG]; run_job all [--org SLUG] runs "
        "every job once in order; run_job --list lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="Job name, or 'all'.")
        parser.add_argument("--org", help="Organisation slug (default: every organisation).")
        parser.add_argument("--list", action="store_true", help="List the registered jobs.")

    def handle(self, *args, name, org, list, **options):
        jobs = ordered_jobs()
        if list:
            jobs = ordered_jobs(include_on_demand=True)
            if not jobs:
                self.stdout.write("No jobs are registered yet.")
                return
            self.stdout.write(f"{'order':>5}  {'name':<24} {'schedule':<28} description")
            for j in jobs:
                self.stdout.write(f"{j.order:>5}  {j.name:<24} {_schedule(j):<28} {j.description}")
            return
        if not name:
            raise CommandError("Name a job (see run_job --list), or 'all'.")
        org_id = None
        if org:
            organisation = Organisation.objects.filter(slug=org).first()
            if organisation is None:
                raise CommandError(f"No organisation with slug {org!r}.")
            org_id = organisation.pk
        if name == "all":
            if not jobs:
                self.stdout.write("No jobs are registered yet; nothing to run.")
                return
            for j in jobs:
                self._run(j.name, org_id)
            return
        known = {j.name for j in ordered_jobs(include_on_demand=True)}
        if name not in known:
            raise CommandError(
                f"Unknown job {name!r}. "
                + (
                    f"Known jobs: {', '.join(j.name for j in jobs)}."
                    if jobs
                    else "No jobs are registered yet."
                )
            )
        self._run(name, org_id)

    def _run(self, name, org_id):
        self.stdout.write(f"Running {name} …")
        try:
            result = run_job(name, org_id)
        except Exception as exc:
            raise CommandError(f"Job {name} failed: {exc.__class__.__name__}: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"{name}: {json.dumps(result, default=str, sort_keys=True)}")
        )


def _schedule(j) -> str:
    if "seconds" in j.schedule:
        return f"every {j.schedule['seconds']} s"
    if "crontab" in j.schedule:
        return "cron " + " ".join(f"{k}={v}" for k, v in j.schedule["crontab"].items())
    return "on demand"
