"""The Demo builder that runs every step in order, and load_demo, the seed's entry point."""

from __future__ import annotations

import datetime
import time
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q

from xmo.choices import JobStatus
from xmo.jobs import ordered_jobs, run_job
from xmo.models import JobRun, Organisation
from xmo.periods import local_today, period_start, previous_period_start
from xmo.services import organisation_create

from .catalogue import CatalogueMixin
from .changes import ChangesMixin
from .feedback import FeedbackMixin
from .governance import GovernanceMixin
from .lived_in import live_in
from .meetings import MeetingsMixin
from .metric_samples import MetricSamplesMixin
from .office import OfficeMixin
from .office_plan import OfficePlanMixin
from .people import PeopleMixin, demo_password, print_logins
from .responses import ResponsesMixin


class Demo(
    PeopleMixin,
    CatalogueMixin,
    OfficeMixin,
    OfficePlanMixin,
    FeedbackMixin,
    GovernanceMixin,
    MeetingsMixin,
    MetricSamplesMixin,
    ResponsesMixin,
    ChangesMixin,
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
        self.plan_changes()

        self.users = self.step("users", self.ensure_users)
        self.services = self.step("services", self.ensure_services)
        self.personas = self.step("personas", self.ensure_personas)
        self.metrics = self.step("metrics", self.ensure_metrics)
        self.step("office", self.ensure_office)
        self.tags = self.step("tags", self.ensure_tags)
        self.step("XLAs", self.ensure_xlas)
        self.step("meetings", self.ensure_meeting_series)
        self.step("office plan", self.ensure_office_plan)
        self.step("initiatives", self.ensure_initiatives)
        self.step("changes and disruptions", self.ensure_changes)
        self.step("metric samples", self.ensure_metric_samples)
        self.step("responses", self.ensure_responses)
        return org

    def step(self, label: str, build):
        """Run one part of the demo and print one line: what it added and how long it took."""
        before = dict(self.added)
        started = time.monotonic()
        result = build()
        took = time.monotonic() - started
        new = [(what, n - before.get(what, 0)) for what, n in self.added.items()]
        added = ", ".join(f"{n:,} {what}" for what, n in new if n)
        progress(self.stdout, f"demo: {label}: {added or 'already there'} ({took:.1f} s)")
        return result


def progress(stdout, line: str) -> None:
    """One progress line, shown at once even when the output is a pipe or a log file."""
    stdout.write(line)
    stdout.flush()


def load_demo(*, responses: int, jobs: bool, stdout, stderr, style) -> None:
    """Load the demo organisation, run the background jobs unless told not to, print log-ins.

    Restartable: the data is added in one transaction (an interrupted load leaves nothing
    behind and the next one starts afresh), and the jobs that have not yet succeeded once for
    the demo run on the next call, so Ctrl-C at any point and a rerun finish the job.
    """
    password = demo_password()
    started = time.monotonic()
    demo = Demo(responses=responses, password=password, stdout=stdout)
    try:
        with transaction.atomic():
            org = demo.run()
    except KeyboardInterrupt:
        progress(stderr, "demo: interrupted while loading the data; nothing was kept.")
        raise
    seeded = time.monotonic() - started
    if not demo.added:
        progress(stdout, "The demo data is already loaded: nothing added.")
    else:
        progress(
            stdout,
            style.SUCCESS(
                f"Demo organisation '{org.slug}' ({org.name}) loaded in {seeded:.1f} s "
                f"({demo.added.get('survey responses', 0):,} survey responses)."
            ),
        )
    if jobs:
        jobs_started = time.monotonic()
        ran = run_jobs(org, stdout=stdout, stderr=stderr, only_missing=not demo.added)
        if ran:
            progress(
                stdout,
                f"demo: ready in {time.monotonic() - started:.1f} s (data {seeded:.1f} s, "
                f"first run of {ran} job{'s' if ran != 1 else ''} "
                f"{time.monotonic() - jobs_started:.1f} s)",
            )
        lived_started = time.monotonic()
        added = live_in(org)
        if added:
            progress(
                stdout,
                "demo: lived in: "
                + ", ".join(f"{n} {what}" for what, n in added.items())
                + f" ({time.monotonic() - lived_started:.1f} s)",
            )
    print_logins(stdout, org, password)


def run_jobs(org, *, stdout, stderr, only_missing: bool = False) -> int:
    """Run every registered background job once for the demo organisation, in order.

    only_missing: skip the jobs that already succeeded once for it (a rerun after an
    interrupted first run). Returns how many jobs ran.
    """
    jobs = ordered_jobs()
    if not jobs:
        progress(stdout, "No background jobs are registered yet; none run.")
        return 0
    if only_missing:
        done = set(
            JobRun.objects.filter(
                Q(organisation=org) | Q(organisation__isnull=True), status=JobStatus.SUCCEEDED
            ).values_list("name", flat=True)
        )
        jobs = [j for j in jobs if j.name not in done]
        if not jobs:
            return 0
    failed = []
    for number, j in enumerate(jobs, start=1):
        started = time.monotonic()
        try:
            result = run_job(j.name, org.pk)
        except KeyboardInterrupt:
            progress(stderr, f"demo: interrupted during job {j.name}; the data is loaded.")
            raise
        except Exception as exc:
            failed.append(j.name)
            stderr.write(f"  job {j.name} failed: {exc.__class__.__name__}: {exc}")
            continue
        outcome = result.get(org.slug, result.get("all"))
        progress(
            stdout,
            f"job {number}/{len(jobs)} {j.name}: {time.monotonic() - started:.1f} s"
            f"{describe(outcome)}",
        )
    if failed:
        raise CommandError(f"Demo data loaded, but these jobs failed: {', '.join(failed)}")
    return len(jobs)


def describe(outcome) -> str:
    """A job's result in a few words: its counts, e.g. ' (responses 100,000, samples 11,680)'."""
    if not isinstance(outcome, dict):
        return ""
    if outcome.get("status") == "skipped":
        return " (skipped: another run of it holds the lease)"
    counts = [
        f"{key.replace('_', ' ')} {value:,}"
        for key, value in outcome.items()
        if isinstance(value, int) and not isinstance(value, bool)
    ]
    return f" ({', '.join(counts[:6])})" if counts else ""
