"""Load the demo organisation `demo` ("Demo IT"): a year of realistic experience data.

Deterministic for a given day (random.Random(42), dates relative to today) and idempotent:
each part is created only when missing, so a second run adds nothing and says so. It shows
a clear score drop (Remote work / VPN in the last closed week), an XLA indicator missing its
target for the last three closed months (Doers' lost time on devices) and one sitting
between warning and target (Supported users' happiness last month).
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import os
import random
import time
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from experience.models import MetricSample, OperationalMetric, Persona, Service, SurveyResponse
from feedback.models import FeedbackTag, FollowUp, Tag, TagRule
from meetings.models import ImprovementInitiative, MeetingSeries
from xlas.models import XLA, Indicator, XLAVersion
from xmo.jobs import ordered_jobs, run_job
from xmo.models import FocusArea, Membership, Objective, Office, OfficerProfile, Organisation
from xmo.periods import local_today, period_start, previous_period_start
from xmo.services import member_add, organisation_create

from . import _demo_text as text

DEFAULT_PASSWORD = "xmo-demo-2026"
BATCH = 5000

# username, role, first name, last name, responsibility kind, responsibility
USERS = [
    ("officer", "officer", "Olivia", "Hart", "service_area", "Workplace services and VPN"),
    ("member", "member", "Marcus", "Lee", "expertise", "Meetings, minutes and feedback triage"),
    ("leader", "leader", "Laura", "Chen", "business_area", "Head of IT operations"),
    ("owner", "service_owner", "Omar", "Patel", "service_area", "Devices and remote work"),
    ("viewer", "viewer", "Vera", "Novak", "", ""),
    ("admin", "admin", "Adam", "Brooks", "", "Organisation set-up and API tokens"),
]

METRICS = [
    ("resolution-time", "Resolution time", "hours", "lower", "Mean time to resolve a ticket."),
    (
        "first-contact-resolution",
        "First-contact resolution",
        "%",
        "higher",
        "Share of tickets solved at the first contact.",
    ),
    ("availability", "Availability", "%", "higher", "Service availability over the day."),
    (
        "device-crash-rate",
        "Device crash rate",
        "crashes/100 devices",
        "lower",
        "Application or device crashes per 100 devices per day.",
    ),
]
METRIC_BASE = {
    # service: resolution h, FCR %, availability %, crash rate
    "service-desk": (6.0, 74.0, 99.9, 0.4),
    "laptops": (14.0, 58.0, 99.8, 1.6),
    "collaboration": (10.0, 62.0, 99.85, 0.7),
    "enterprise-apps": (20.0, 52.0, 99.7, 0.5),
    "remote-work": (9.0, 60.0, 99.8, 0.6),
    "service-portal": (12.0, 66.0, 99.9, 0.3),
    "mobile": (11.0, 63.0, 99.8, 1.2),
    "identity": (4.0, 80.0, 99.95, 0.2),
}


def insert_rows(model, columns: list[str], rows: list[tuple]) -> int:
    """Insert rows of database-ready values in batches of BATCH, one prepared statement each.

    bulk_create is limited on SQLite to 999 bound variables per statement (about 40 rows of
    a survey response) and builds a model instance per row, which makes 100 000 rows take
    most of a minute; executemany of one prepared INSERT loads them in seconds on SQLite and
    PostgreSQL alike. The statement is built from the model's own column names only.
    """
    if not rows:
        return 0
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in columns]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (model metadata only)
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return len(rows)


RESPONSE_COLUMNS = [
    "organisation",
    "external_id",
    "service",
    "persona",
    "score",
    "lost_time_minutes",
    "factors",
    "comment",
    "touchpoint",
    "channel",
    "location",
    "assignment_group",
    "ticket_ref",
    "reassignments",
    "resolution_hours",
    "submitted_at",
    "received_at",
    "processed",
    "triage_status",
    "highlighted",
]


def db_datetime(value: datetime.datetime):
    """An aware datetime as the database driver wants it (UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value.astimezone(datetime.UTC))


_PICKERS: dict[int, tuple] = {}


def _weighted(rng: random.Random, pairs):
    """One value of [(value, weight), ...], drawn by weight."""
    picker = _PICKERS.get(id(pairs))
    if picker is None:
        cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        # Keeping `pairs` referenced keeps its id from being reused.
        picker = _PICKERS[id(pairs)] = (pairs, [value for value, _ in pairs], cumulative)
    _, values, cumulative = picker
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


class Demo:
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

    # -- structure -------------------------------------------------------------------------

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

    def ensure_users(self) -> dict:
        user_model = get_user_model()
        users = {}
        for username, role, first, last, kind, responsibility in USERS:
            membership = Membership.objects.filter(
                organisation=self.org, user__username=username
            ).first()
            if membership is None:
                existed = user_model.objects.filter(username=username).exists()
                if not existed:
                    # One shared demo password: hash it once instead of once per user.
                    user = user_model(username=username, email=f"{username}@demo.example")
                    try:
                        validate_password(self.password, user)
                    except ValidationError as exc:
                        raise CommandError(
                            "XMO_DEMO_PASSWORD is not accepted: " + " ".join(exc.messages)
                        ) from exc
                    if self._hash is None:
                        self._hash = make_password(self.password)
                    user.password = self._hash
                    user.save()
                membership, _ = member_add(
                    organisation=self.org,
                    username=username,
                    role=role,
                    email=f"{username}@demo.example",
                )
                membership.responsibility_kind = kind
                membership.responsibility = responsibility
                membership.save(update_fields=["responsibility_kind", "responsibility"])
                user = membership.user
                if not existed:
                    user.first_name, user.last_name = first, last
                    user.save(update_fields=["first_name", "last_name"])
                self.add("users")
            users[role] = membership.user
        return users

    def ensure_services(self) -> dict:
        owner = self.users["service_owner"]
        result = {}
        for slug, name, area, _h, _w, _group, description in text.SERVICES:
            service, created = Service.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={
                    "name": name,
                    "it_area": area,
                    "description": description,
                    "owner": owner if slug in {"laptops", "remote-work", "mobile"} else None,
                },
            )
            self.add("services", int(created))
            result[slug] = service
        return result

    def ensure_personas(self) -> dict:
        result = {}
        for slug, name, _share, _offset, description in text.PERSONAS:
            persona, created = Persona.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={"name": name, "description": description},
            )
            self.add("personas", int(created))
            result[slug] = persona
        return result

    def ensure_metrics(self) -> dict:
        result = {}
        for slug, name, unit, direction, description in METRICS:
            metric, created = OperationalMetric.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={
                    "name": name,
                    "unit": unit,
                    "direction": direction,
                    "description": description,
                },
            )
            self.add("operational metrics", int(created))
            result[slug] = metric
        return result

    def ensure_office(self):
        office, _ = Office.objects.get_or_create(organisation=self.org)
        if not office.mission:
            office.mission = (
                "Make IT work the way our people work: listen to what they experience, "
                "act on it every week, and show the difference it makes."
            )
            office.phase = "xmo"
            office.established_on = self.first_day - datetime.timedelta(days=200)
            office.save()
            office.services_in_scope.set(self.services.values())
            self.add("XMO office")
        if not Objective.objects.filter(organisation=self.org).exists():
            objectives = [
                ("12m", "Raise happiness with IT to +80 across every service", "on_track"),
                ("12m", "Halve the time people lose to laptop problems", "at_risk"),
                ("6m", "Review every XLA with its owner and a leader", "on_track"),
                ("6m", "Close the loop on 90 % of negative feedback within 5 days", "open"),
            ]
            for horizon, title, status in objectives:
                Objective.objects.create(
                    organisation=self.org,
                    horizon=horizon,
                    title=title,
                    status=status,
                    starts_on=self.first_month,
                    due_on=self.today + datetime.timedelta(days=365 if horizon == "12m" else 180),
                )
            self.add("objectives", len(objectives))
        if not FocusArea.objects.filter(organisation=self.org).exists():
            quarter = period_start(self.today, "quarter")
            areas = [
                ("Remote work reliability", "VPN stability and home-working kit.", ["remote-work"]),
                ("Laptop performance for Doers", "Fewer freezes, faster boot.", ["laptops"]),
                ("Self-service adoption", "Portal and virtual agent first.", ["service-portal"]),
            ]
            for title, description, slugs in areas:
                area = FocusArea.objects.create(
                    organisation=self.org,
                    quarter_start=quarter,
                    title=title,
                    description=description,
                )
                area.services.set([self.services[s] for s in slugs])
            self.add("focus areas", len(areas))
        membership = Membership.objects.get(organisation=self.org, user=self.users["officer"])
        if not OfficerProfile.objects.filter(membership=membership).exists():
            profile = OfficerProfile.objects.create(
                membership=membership,
                part_time_share=60,
                certified_on=self.first_day - datetime.timedelta(days=120),
            )
            profile.service_areas.set(
                [self.services[s] for s in ("service-desk", "laptops", "remote-work", "mobile")]
            )
            self.add("officer profile")

    def ensure_tags(self) -> dict:
        result = {}
        for name, slug, color, description, keywords in text.TAGS:
            tag, created = Tag.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={"name": name, "color": color, "description": description},
            )
            self.add("tags", int(created))
            if created or not TagRule.objects.filter(tag=tag).exists():
                TagRule.objects.create(
                    organisation=self.org,
                    tag=tag,
                    name=f"{name} keywords",
                    patterns="\n".join(keywords),
                    match="phrase",
                    created_by=self.users["officer"],
                )
                self.add("tag rules")
            result[slug] = tag
        return result

    # -- XLAs --------------------------------------------------------------------------------

    def ensure_xlas(self):
        officer, leader, owner = (self.users[r] for r in ("officer", "leader", "service_owner"))
        approved_at = timezone.make_aware(
            datetime.datetime.combine(self.first_month, datetime.time(10)), self.tz
        )
        sentiment = {"kind": "sentiment"}

        def op(metric, aggregation):
            return {
                "kind": "operational",
                "metric": self.metrics[metric],
                "aggregation": aggregation,
            }

        specs = [
            {
                "name": "Doers' devices just work",
                "description": "Doers get back to work fast when a laptop or phone lets them down.",
                "owner": owner,
                "services": ["laptops", "mobile"],
                "personas": ["doers"],
                "versions": [
                    (
                        None,
                        "Targets from last year's baseline.",
                        [
                            (
                                "happiness",
                                "Happiness",
                                sentiment | {"measure": "happiness"},
                                "higher",
                                68,
                                62,
                                2,
                                "month",
                                2,
                            ),
                            (
                                "lost-time",
                                "Mean lost time per ticket (min)",
                                sentiment | {"measure": "lost_time_mean"},
                                "lower",
                                180,
                                220,
                                2,
                                "month",
                                3,
                            ),
                            (
                                "crash-rate",
                                "Device crash rate",
                                op("device-crash-rate", "mean"),
                                "lower",
                                2.0,
                                2.4,
                                1,
                                "month",
                                2,
                            ),
                        ],
                    )
                ],
            },
            {
                "name": "Prioritizers stay connected",
                "description": "Busy people can rely on remote access and collaboration tools.",
                "owner": owner,
                "services": ["remote-work", "collaboration"],
                "personas": ["prioritizers"],
                "versions": [
                    (
                        None,
                        "Mixes how people feel with what the network measures.",
                        [
                            (
                                "happiness",
                                "Happiness",
                                sentiment | {"measure": "happiness"},
                                "higher",
                                70,
                                62,
                                2,
                                "week",
                                2,
                            ),
                            (
                                "availability",
                                "Availability (%)",
                                op("availability", "mean"),
                                "higher",
                                99.5,
                                99.0,
                                1,
                                "month",
                                2,
                            ),
                            (
                                "resolution-p90",
                                "Resolution time, 90th percentile (h)",
                                op("resolution-time", "p90"),
                                "lower",
                                24,
                                30,
                                1,
                                "month",
                                2,
                            ),
                        ],
                    )
                ],
            },
            {
                "name": "Supported users feel looked after",
                "description": "People who want a person to help them are helped well.",
                "owner": officer,
                "services": ["service-desk", "service-portal"],
                "personas": ["supported"],
                "versions": [
                    (
                        None,
                        "Supported users are our most loyal group; keep them there.",
                        [
                            (
                                "happiness",
                                "Happiness",
                                sentiment | {"measure": "happiness"},
                                "higher",
                                75,
                                65,
                                2,
                                "month",
                                2,
                            ),
                            (
                                "positive-share",
                                "Share scoring 9–10 (%)",
                                sentiment | {"measure": "positive_share"},
                                "higher",
                                80,
                                75,
                                1,
                                "month",
                                2,
                            ),
                        ],
                    )
                ],
            },
            {
                "name": "Triers can help themselves",
                "description": "Self-service works for people who try it first.",
                "owner": officer,
                "services": ["service-portal", "identity"],
                "personas": ["triers"],
                "versions": [
                    (
                        self.mid_year,
                        "First targets while self-service was new.",
                        [
                            (
                                "happiness",
                                "Happiness",
                                sentiment | {"measure": "happiness"},
                                "higher",
                                68,
                                60,
                                2,
                                "month",
                                2,
                            ),
                            (
                                "avg-score",
                                "Average score",
                                sentiment | {"measure": "avg_score"},
                                "higher",
                                8.4,
                                8.0,
                                1,
                                "month",
                                2,
                            ),
                        ],
                    ),
                    (
                        None,
                        "Raised after self-service password reset went live and held for "
                        "three months above the old target.",
                        [
                            (
                                "happiness",
                                "Happiness",
                                sentiment | {"measure": "happiness"},
                                "higher",
                                74,
                                66,
                                2,
                                "month",
                                2,
                            ),
                            (
                                "avg-score",
                                "Average score",
                                sentiment | {"measure": "avg_score"},
                                "higher",
                                8.6,
                                8.2,
                                1,
                                "month",
                                2,
                            ),
                            (
                                "lost-time-median",
                                "Median lost time (min)",
                                sentiment | {"measure": "lost_time_median"},
                                "lower",
                                30,
                                45,
                                1,
                                "month",
                                2,
                            ),
                        ],
                    ),
                ],
            },
        ]
        for spec in specs:
            if XLA.objects.filter(organisation=self.org, name=spec["name"]).exists():
                continue
            xla = XLA.objects.create(
                organisation=self.org,
                name=spec["name"],
                description=spec["description"],
                owner=spec["owner"],
            )
            xla.services.set([self.services[s] for s in spec["services"]])
            xla.personas.set([self.personas[p] for p in spec["personas"]])
            effective_from = self.first_month
            versions = spec["versions"]
            for number, (effective_to, rationale, indicators) in enumerate(versions, start=1):
                active = number == len(versions)
                starts = effective_from
                version = XLAVersion.objects.create(
                    xla=xla,
                    number=number,
                    status="active" if active else "retired",
                    effective_from=starts,
                    effective_to=None if active else effective_to,
                    rationale=rationale,
                    proposed_by=officer,
                    proposed_at=approved_at - datetime.timedelta(days=7),
                    approved_by=leader,
                    approved_at=approved_at,
                    decision_note="Approved in the quarterly strategy meeting.",
                    review_due=starts + datetime.timedelta(days=365),
                    baseline_start=self.first_month - datetime.timedelta(days=90),
                    baseline_end=self.first_month - datetime.timedelta(days=1),
                )
                for order, (
                    key,
                    name,
                    kind,
                    direction,
                    target,
                    warning,
                    weight,
                    period,
                    misses,
                ) in enumerate(indicators):
                    Indicator.objects.create(
                        version=version,
                        key=key,
                        name=name,
                        direction=direction,
                        target=target,
                        warning=warning,
                        weight=weight,
                        period=period,
                        min_sample=20 if period == "week" else 30,
                        consecutive_misses=misses,
                        order=order,
                        **kind,
                    )
                if not active:
                    effective_from = effective_to
                    approved_at = timezone.make_aware(
                        datetime.datetime.combine(
                            effective_to - datetime.timedelta(days=3), datetime.time(15)
                        ),
                        self.tz,
                    )
            self.add("XLAs")

    def ensure_meeting_series(self):
        u = self.users
        specs = [
            (
                "weekly",
                "Weekly operational review",
                "",
                [],
                0,
                1,
                "09:30",
                45,
                [u["officer"], u["member"]],
            ),
            (
                "monthly",
                "Workplace experience meeting",
                "Workplace",
                ["service-desk", "laptops", "collaboration", "remote-work", "mobile"],
                1,
                1,
                "10:00",
                60,
                [u["officer"], u["member"], u["service_owner"], u["leader"]],
            ),
            (
                "monthly",
                "Business apps experience meeting",
                "Business applications",
                ["enterprise-apps", "service-portal", "identity"],
                2,
                1,
                "14:00",
                60,
                [u["officer"], u["member"], u["leader"]],
            ),
            (
                "quarterly",
                "Quarterly strategy meeting",
                "",
                [],
                3,
                2,
                "13:00",
                120,
                [u["officer"], u["member"], u["leader"], u["admin"]],
            ),
        ]
        for cadence, name, area, services, weekday, nth, start, minutes, people in specs:
            series, created = MeetingSeries.objects.get_or_create(
                organisation=self.org,
                name=name,
                defaults={
                    "cadence": cadence,
                    "it_area": area,
                    "weekday": weekday,
                    "nth": nth,
                    "start_time": start,
                    "duration_minutes": minutes,
                    "minutes_recipients": "it-operations@demo.example"
                    if cadence == "weekly"
                    else "",
                },
            )
            if created:
                series.services.set([self.services[s] for s in services])
                series.default_attendees.set(people)
                self.add("meeting series")

    def ensure_initiatives(self):
        if ImprovementInitiative.objects.filter(organisation=self.org).exists():
            return
        specs = [
            (
                "Self-service password reset",
                "done",
                self.sspr_done - datetime.timedelta(days=60),
                self.sspr_done,
                ["identity", "service-portal"],
                "Triers can help themselves",
            ),
            (
                "Laptop re-imaging programme",
                "active",
                self.last_month,
                None,
                ["laptops"],
                "Doers' devices just work",
            ),
            ("Teams meeting-room refresh", "proposed", None, None, ["collaboration"], None),
        ]
        for title, status, started, finished, services, xla_name in specs:
            initiative = ImprovementInitiative.objects.create(
                organisation=self.org,
                title=title,
                description=f"{title}: planned with the service owners in the XMO.",
                owner=self.users["service_owner"] if "Laptop" in title else self.users["officer"],
                status=status,
                started_on=started,
                finished_on=finished,
            )
            initiative.services.set([self.services[s] for s in services])
            if xla_name:
                initiative.xlas.set(XLA.objects.filter(organisation=self.org, name=xla_name))
        self.add("improvement initiatives", len(specs))

    # -- operational metrics ----------------------------------------------------------------

    def ensure_metric_samples(self):
        if MetricSample.objects.filter(organisation=self.org).exists():
            return
        rng = random.Random(42)
        rows = []
        received = db_datetime(timezone.now())
        day = self.first_day
        while day < self.today:
            measured = db_datetime(
                datetime.datetime.combine(day, datetime.time(23), tzinfo=self.tz)
            )
            in_drop = self.drop_week <= day < self.drop_week + datetime.timedelta(days=7)
            in_breach = period_start(day, "month") in self.breach_months
            for slug, (res, fcr, avail, crash) in METRIC_BASE.items():
                vpn_out = in_drop and slug == "remote-work"
                values = {
                    "resolution-time": res * rng.lognormvariate(0, 0.25) * (3 if vpn_out else 1),
                    "first-contact-resolution": min(
                        100.0, max(0.0, rng.gauss(fcr - (22 if vpn_out else 0), 4))
                    ),
                    "availability": (
                        rng.uniform(96.2, 97.8)
                        if vpn_out
                        else (
                            rng.uniform(98.0, 99.2)
                            if rng.random() < 0.02
                            else min(100.0, rng.gauss(avail, 0.05))
                        )
                    ),
                    "device-crash-rate": max(
                        0.0,
                        rng.gauss(crash, crash * 0.2)
                        * (1.5 if in_breach and slug == "laptops" else 1),
                    ),
                }
                for metric_slug, value in values.items():
                    rows.append(
                        (
                            self.org.pk,
                            self.metrics[metric_slug].pk,
                            self.services[slug].pk,
                            round(value, 3),
                            measured,
                            f"demo-{metric_slug}-{slug}-{day.isoformat()}",
                            received,
                            False,
                        )
                    )
            day += datetime.timedelta(days=1)
        columns = [
            "organisation",
            "metric",
            "service",
            "value",
            "measured_at",
            "external_id",
            "received_at",
            "processed",
        ]
        self.add("metric samples", insert_rows(MetricSample, columns, rows))

    # -- survey responses -------------------------------------------------------------------

    def _day_weights(self) -> list[tuple[datetime.date, float]]:
        days = []
        day = self.first_day
        while day < self.today:
            weight = (1.0, 1.0, 1.0, 1.0, 0.9, 0.25, 0.15)[day.weekday()]
            if day.month == 8:
                weight *= 0.8
            if day.month == 12 and day.day >= 22 or day.month == 1 and day.day <= 2:
                weight *= 0.45
            if self.drop_week <= day < self.drop_week + datetime.timedelta(days=7):
                weight *= 1.2
            days.append((day, weight))
            day += datetime.timedelta(days=1)
        return days

    def ensure_responses(self):
        if SurveyResponse.objects.filter(organisation=self.org).exists():
            return
        rng = random.Random(42)
        day_weights = self._day_weights()
        total_weight = sum(w for _, w in day_weights)
        service_pairs = [(s[0], s[4]) for s in text.SERVICES]
        drop_pairs = [(slug, w * 2.2 if slug == "remote-work" else w) for slug, w in service_pairs]
        base_h = {s[0]: s[3] for s in text.SERVICES}
        group_of = {s[0]: s[5] for s in text.SERVICES}
        persona_pairs = [(p[0], p[2]) for p in text.PERSONAS]
        persona_offset = {p[0]: p[3] for p in text.PERSONAS}
        hour_weights = (2, 8, 12, 12, 11, 8, 10, 11, 10, 8, 5, 2, 1)
        hours = list(zip(range(7, 20), hour_weights, strict=True))
        comments_made = []
        batch: list[tuple] = []
        created = 0
        org_id = self.org.pk
        service_ids = {slug: service.pk for slug, service in self.services.items()}
        persona_ids = {slug: persona.pk for slug, persona in self.personas.items()}
        factors_field = SurveyResponse._meta.get_field("factors")
        factors_cache: dict[tuple, object] = {}
        received = db_datetime(timezone.now())
        index = 0
        carry = 0.0
        total_days = len(day_weights)
        for day_number, (day, weight) in enumerate(day_weights):
            carry += self.n_responses * weight / total_weight
            count = int(carry)
            carry -= count
            if day_number == total_days - 1:
                count += round(carry)
            in_drop = self.drop_week <= day < self.drop_week + datetime.timedelta(days=7)
            month = period_start(day, "month")
            in_breach = month in self.breach_months
            at_risk_month = month == self.last_month
            trend = -2 + 4 * day_number / max(1, total_days - 1)
            for _ in range(count):
                index += 1
                service = _weighted(rng, drop_pairs if in_drop else service_pairs)
                persona = _weighted(rng, persona_pairs) if rng.random() < 0.92 else None
                touchpoint = _weighted(rng, text.TOUCHPOINTS)
                story = None
                h = base_h[service] + persona_offset.get(persona, 0) + trend
                h += {"incident": -4, "request": 5, "proactive": -6}[touchpoint]
                if service == "identity" and day >= self.sspr_done:
                    h += 4
                if in_drop and service == "remote-work":
                    h, story = 8.0, "vpn"
                elif in_breach and persona == "doers" and service in ("laptops", "mobile"):
                    h -= 15
                    story = "laptop" if service == "laptops" else None
                elif (
                    at_risk_month
                    and persona == "supported"
                    and service in ("service-desk", "service-portal")
                ):
                    h = 69.0
                score = self._score(rng, h)
                lost = self._lost_time(rng, touchpoint, score, story, persona)
                factors = self._factors(rng, score, story)
                comment = self._comment(rng, service, score, story)
                local = datetime.datetime.combine(
                    day,
                    datetime.time(_weighted(rng, hours), rng.randrange(60), rng.randrange(60)),
                    tzinfo=self.tz,
                )
                location = _weighted(rng, text.LOCATIONS)
                if service == "remote-work" and rng.random() < 0.5:
                    location = "Home / remote"
                channel = _weighted(rng, text.CHANNELS)
                if channel == "walk_in" and location == "Home / remote":
                    channel = "phone"
                group = group_of[service]
                if service != "service-desk" and rng.random() < 0.15:
                    group = "Service Desk L1"
                ticket = ""
                reassignments = None
                resolution = None
                if touchpoint != "proactive":
                    ticket = f"{'INC' if touchpoint == 'incident' else 'RITM'}{1000000 + index}"
                    reassignments = min(6, int(rng.expovariate(1.6 if score >= 7 else 0.8)))
                    resolution = round(
                        rng.lognormvariate(math.log(6 if touchpoint == "incident" else 16), 0.9)
                        * (2.5 if story == "vpn" else 1),
                        2,
                    )
                triage = "new"
                if comment and day < self.today - datetime.timedelta(days=21):
                    triage = "closed" if rng.random() < 0.6 else "reviewed"
                external_id = f"demo-{index:06d}"
                if comment:
                    comments_made.append((external_id, day, score, comment, service))
                factors_key = tuple(factors)
                factors_db = factors_cache.get(factors_key)
                if factors_db is None:
                    factors_db = factors_cache[factors_key] = factors_field.get_db_prep_save(
                        factors, connection
                    )
                batch.append(
                    (
                        org_id,
                        external_id,
                        service_ids[service],
                        persona_ids[persona] if persona else None,
                        score,
                        lost,
                        factors_db,
                        comment,
                        touchpoint,
                        channel,
                        location,
                        group,
                        ticket,
                        reassignments,
                        resolution,
                        db_datetime(local),
                        received,
                        False,
                        triage,
                        False,
                    )
                )
                if len(batch) >= BATCH:
                    created += insert_rows(SurveyResponse, RESPONSE_COLUMNS, batch)
                    batch = []
        created += insert_rows(SurveyResponse, RESPONSE_COLUMNS, batch)
        self.add("survey responses", created)
        self.add("comments", len(comments_made))
        self.ensure_feedback_work(comments_made, random.Random(42))

    @staticmethod
    def _score(rng: random.Random, happiness: float) -> int:
        h = max(-90.0, min(95.0, happiness)) / 100
        passive = 0.13 + 0.15 * max(0.0, 0.7 - h)
        promoters = max(0.0, (1 - passive + h) / 2)
        u = rng.random()
        if u < promoters:
            return 10 if rng.random() < 0.6 else 9
        if u < promoters + passive:
            return 8 if rng.random() < 0.6 else 7
        return rng.choices(range(7), weights=(3, 2, 3, 5, 7, 10, 14))[0]

    @staticmethod
    def _lost_time(rng, touchpoint, score, story, persona) -> int | None:
        if rng.random() > (0.5 if touchpoint == "proactive" else 0.78):
            return None
        mean = {"incident": 225.0, "request": 75.0, "proactive": 110.0}[touchpoint]
        sigma = 1.55
        minutes = rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)
        minutes *= 0.6 if score >= 9 else (1.1 if score >= 7 else 2.8)
        if story == "vpn":
            minutes *= 3
        elif story == "laptop":
            minutes *= 2.5
        return int(min(100_000, 5 * round(minutes / 5)))

    @staticmethod
    def _factors(rng, score, story) -> list[str]:
        if story == "vpn" and score <= 6:
            picked = {"Could not work during the ticket"} if rng.random() < 0.88 else set()
            if rng.random() < 0.4:
                picked.add("Solution was not permanent")
            return sorted(picked)
        if story == "laptop" and score <= 6:
            picked = {"Solution was not permanent"} if rng.random() < 0.6 else set()
            if rng.random() < 0.5:
                picked.add("Could not work during the ticket")
            return sorted(picked)
        if score >= 9:
            if rng.random() > 0.7:
                return []
            k = 1 if rng.random() < 0.6 else 2
            pool = text.POSITIVE_FACTORS
        elif score >= 7:
            if rng.random() > 0.5:
                return []
            k = 1
            pool = text.POSITIVE_FACTORS if rng.random() < 0.5 else text.NEGATIVE_FACTORS
        else:
            if rng.random() > 0.85:
                return []
            k = rng.choice((1, 1, 2, 2, 3))
            pool = text.NEGATIVE_FACTORS
        return sorted({_weighted(rng, pool) for _ in range(k)})

    @staticmethod
    def _comment(rng, service, score, story) -> str:
        if story == "vpn" and score <= 6:
            if rng.random() < 0.6:
                return rng.choice(text.VPN_OUTAGE_COMMENTS)
            return ""
        if story == "laptop" and score <= 6 and rng.random() < 0.45:
            return rng.choice(text.LAPTOP_SLOW_COMMENTS)
        chance = 0.2 if score >= 9 else (0.25 if score >= 7 else 0.45)
        if rng.random() > chance:
            return ""
        detail = text.SERVICE_DETAIL[service]
        agent = rng.choice(text.AGENTS)
        if score >= 9:
            opener = rng.choice(text.OPENERS_POSITIVE)
            staff = rng.choice(text.STAFF_POSITIVE).format(agent=agent)
            what = rng.choice(detail["pos"])
            closer = rng.choice(text.CLOSERS_POSITIVE)
        elif score >= 7:
            opener = rng.choice(text.OPENERS_NEUTRAL)
            staff = rng.choice(text.STAFF_POSITIVE + text.STAFF_NEGATIVE).format(agent=agent)
            what = rng.choice(detail["pos"] + detail["neg"])
            closer = ""
        else:
            opener = rng.choice(text.OPENERS_NEGATIVE)
            staff = rng.choice(text.STAFF_NEGATIVE)
            what = rng.choice(detail["neg"])
            closer = rng.choice(text.CLOSERS_NEGATIVE)
        form = rng.randrange(4)
        if form == 0:
            sentence = f"{opener}: {what}."
        elif form == 1:
            sentence = f"{opener}, {staff}. {closer}"
        elif form == 2:
            sentence = f"{what[0].upper()}{what[1:]}, and {staff}. {closer}"
        else:
            sentence = f"{staff[0].upper()}{staff[1:]}. {closer}"
        return sentence.strip()

    def ensure_feedback_work(self, comments, rng: random.Random):
        """A few comments already tagged, highlighted and followed up, as an officer would."""
        recent = [c for c in comments if c[1] >= self.today - datetime.timedelta(days=60)]
        picks: dict[str, list[str]] = {}
        for _name, slug, _color, _description, keywords in text.TAGS:
            matches = [c[0] for c in recent if any(k in c[3].lower() for k in keywords)]
            picks[slug] = matches[-6:]
        highlight = [c[0] for c in recent if c[2] >= 9][-4:]
        highlight += [c[0] for c in recent if "VPN" in c[3] and c[2] <= 6][-3:]
        negatives = [c[0] for c in recent if c[2] <= 3][-6:]
        wanted = {eid for ids in picks.values() for eid in ids} | set(highlight) | set(negatives)
        by_external = dict(
            SurveyResponse.objects.filter(
                organisation=self.org, external_id__in=wanted
            ).values_list("external_id", "pk")
        )
        links = [
            FeedbackTag(
                response_id=by_external[eid],
                tag=self.tags[slug],
                source="manual",
                added_by=self.users["officer"],
            )
            for slug, ids in picks.items()
            for eid in ids
        ]
        FeedbackTag.objects.bulk_create(links)
        self.add("tagged comments", len(links))
        SurveyResponse.objects.filter(pk__in=[by_external[e] for e in highlight]).update(
            highlighted=True
        )
        self.add("highlighted comments", len(highlight))
        for number, eid in enumerate(negatives):
            FollowUp.objects.create(
                response_id=by_external[eid],
                owner=self.users["officer"],
                status=("todo", "contacted", "done")[number % 3],
                due_on=self.today + datetime.timedelta(days=3),
                outcome="Called back; the fix was confirmed." if number % 3 == 2 else "",
            )
        SurveyResponse.objects.filter(pk__in=[by_external[e] for e in negatives]).update(
            triage_status="follow_up"
        )
        self.add("follow-ups", len(negatives))


class Command(BaseCommand):
    help = "Load the demo organisation 'demo' with a year of data and one user per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--responses",
            type=int,
            default=100_000,
            help="How many survey responses to generate (default 100 000).",
        )
        parser.add_argument(
            "--no-jobs", action="store_true", help="Do not run the background jobs afterwards."
        )

    def handle(self, *args, responses, no_jobs, **options):
        if responses < 0:
            raise CommandError("--responses must be zero or more.")
        password = os.environ.get("XMO_DEMO_PASSWORD") or DEFAULT_PASSWORD
        started = time.monotonic()
        demo = Demo(responses=responses, password=password, stdout=self.stdout)
        with transaction.atomic():
            org = demo.run()
        if not demo.added:
            self.stdout.write("The demo data is already loaded: nothing added.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo organisation '{org.slug}' ({org.name}) loaded in "
                    f"{time.monotonic() - started:.1f} s:"
                )
            )
            for what, n in demo.added.items():
                self.stdout.write(f"  {n:>7,} {what}")
            if not no_jobs:
                self.run_jobs(org)
        self.print_logins(org, password)

    def run_jobs(self, org):
        jobs = ordered_jobs()
        if not jobs:
            self.stdout.write("No background jobs are registered yet; none run.")
            return
        failed = []
        for j in jobs:
            started = time.monotonic()
            try:
                run_job(j.name, org.pk)
            except Exception as exc:
                failed.append(j.name)
                self.stderr.write(f"  job {j.name} failed: {exc.__class__.__name__}: {exc}")
                continue
            self.stdout.write(f"  ran job {j.name} ({time.monotonic() - started:.1f} s)")
        if failed:
            raise CommandError(f"Demo data loaded, but these jobs failed: {', '.join(failed)}")

    def print_logins(self, org, password):
        memberships = (
            Membership.objects.filter(organisation=org, user__username__in=[u[0] for u in USERS])
            .select_related("user")
            .order_by("user__username")
        )
        order = {u[0]: i for i, u in enumerate(USERS)}
        rows = sorted(memberships, key=lambda m: order[m.user.username])
        self.stdout.write("")
        self.stdout.write("Demo log-ins (sign in at /login/):")
        self.stdout.write(f"  {'username':<10} {'role':<22} password")
        for m in rows:
            self.stdout.write(f"  {m.user.username:<10} {m.get_role_display():<22} {password}")
