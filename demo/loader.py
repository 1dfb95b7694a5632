"""The Demo builder that runs every step in order, and load_demo, the seed's entry point."""

from __future__ import annotations

import datetime
import time
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError
from django.db import transaction

from xmo.jobs import ordered_jobs, run_job
from xmo.models import Organisation
from xmo.periods import local_today, period_start, previous_period_start
from xmo.services import organisation_create

from .catalogue import CatalogueMixin
from .feedback import FeedbackMixin
from .governance import GovernanceMixin
from .meetings import MeetingsMixin
from .metric_samples import MetricSamplesMixin
from .office import OfficeMixin
from .people import PeopleMixin, demo_password, print_logins
from .responses import ResponsesMixin


class Demo(
    PeopleMixin,
    CatalogueMixin,
    OfficeMixin,
    FeedbackMixin,
    GovernanceMixin,
    MeetingsMixin,
    MetricSamplesMixin,
    ResponsesMixin,
):
    """Builds the demo organisation step by step, counting what it adds."""

    def __init__(self, *, responses: int, password: str, stdout):
        self.n_responses = responses
        self.password = password
        self.stdout = stdout
        self.added: dict[str, int] = {}
        self._hash = None

    def add(self, what: str, n: int = 1):
        if n:
            self.added[what] = self.added.get(what, 0) + n

    def run(self) -> Organisation:
        org = Organisation.objects.filter(slug="demo").first()
        if org is None:
            org = organisation_create(slug="demo", name="Demo IT", time_zone="Europe/London")
            org.happiness_target = 75.0
            org.benchmark_happiness = 75.0
            org.lost_time_target_minutes = 180.0
            org.save()
            self.add("organisation")
        self.org = org
        self.tz = ZoneInfo(org.time_zone)
        self.today = local_today(org)
        self.first_day = self.today - datetime.timedelta(days=365)
        self.first_month = self.first_day.replace(day=1)
        week = period_start(self.today, "week")
        self.drop_week = week - datetime.timedelta(days=7)
        m0 = period_start(self.today, "month")
        m1 = previous_period_start(m0, "month")
        m2 = previous_period_start(m1, "month")
        m3 = previous_period_start(m2, "month")
        self.current_month, self.last_month = m0, m1
        self.breach_months = {m1, m2, m3}
        self.mid_year = period_start(self.today - datetime.timedelta(days=183), "month")
        self.sspr_done = period_start(self.today - datetime.timedelta(days=240), "month")

        self.users = self.ensure_users()
        self.services = self.ensure_services()
        self.personas = self.ensure_personas()
        self.metrics = self.ensure_metrics()
        self.ensure_office()
        self.tags = self.ensure_tags()
        self.ensure_xlas()
        self.ensure_meeting_series()
        self.ensure_initiatives()
        self.ensure_metric_samples()
        self.ensure_responses()
        return org


def load_demo(*, responses: int, jobs: bool, stdout, stderr, style) -> None:
    """Load the demo organisation, run the background jobs unless told not to, print log-ins."""
    password = demo_password()
    started = time.monotonic()
    demo = Demo(responses=responses, password=password, stdout=stdout)
    with transaction.atomic():
        org = demo.run()
    if not demo.added:
        stdout.write("The demo data is already loaded: nothing added.")
    else:
        stdout.write(
            style.SUCCESS(
                f"Demo organisation '{org.slug}' ({org.name}) loaded in "
                f"{time.monotonic() - started:.1f} s:"
            )
        )
        for what, n in demo.added.items():
            stdout.write(f"  {n:>7,} {what}")
        if jobs:
            run_jobs(org, stdout=stdout, stderr=stderr)
    print_logins(stdout, org, password)


def run_jobs(org, *, stdout, stderr) -> None:
    """Run every registered background job once for the demo organisation."""
    jobs = ordered_jobs()
    if not jobs:
        stdout.write("No background jobs are registered yet; none run.")
        return
    failed = []
    for j in jobs:
        started = time.monotonic()
        try:
            run_job(j.name, org.pk)
        except Exception as exc:
            failed.append(j.name)
            stderr.write(f"  job {j.name} failed: {exc.__class__.__name__}: {exc}")
            continue
        stdout.write(f"  ran job {j.name} ({time.monotonic() - started:.1f} s)")
    if failed:
        raise CommandError(f"Demo data loaded, but these jobs failed: {', '.join(failed)}")
