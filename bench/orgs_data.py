# ruff: noqa: S608 — SQL here is assembled from model metadata; values are parameters.
"""The data of the many-organisations section: N organisations set up as the demo is, each with
`per_org` survey responses queued for the rollups.

Each organisation gets the demo's configuration (demo.loader.Demo's own steps: people,
services, personas, operational metrics, the XMO office, tags with keyword rules, XLAs with
their versions, meeting series, changes and a planned disruption), so every scheduled job
finds work. The responses are generated once (demo vocabulary, fixed seed, spread evenly over
the last SPAN_DAYS days, a worse last fortnight for remote work so that the drop detector has
something to find) and loaded for every organisation by one COPY, with their queue rows, as
ingestion leaves them: the cycle's first rollups run rolls them up.
"""

from __future__ import annotations

import datetime
import io
import json
import random
import time
from zoneinfo import ZoneInfo

SPAN_DAYS = 200
COPY_COLUMNS = (
    "organisation_id, external_id, service_id, persona_id, score, lost_time_minutes, factors,"
    " comment, touchpoint, channel, location, assignment_group, ticket_ref, reassignments,"
    " resolution_hours, submitted_at, received_at, triage_status, highlighted"
)


def _builder(org):
    """demo.loader.Demo pointed at `org`, with the dates its steps read (as Demo.run sets)."""
    from demo.loader import Demo
    from demo.people import demo_password
    from xmo.periods import local_today, period_start, previous_period_start

    class OrgBuilder(Demo):
        def __init__(self, org):
            super().__init__(responses=0, password=demo_password(), stdout=None)
            self.org, self.tz, self.today = org, ZoneInfo(org.time_zone), local_today(org)
            self.first_day = self.today - datetime.timedelta(days=SPAN_DAYS)
            self.first_month = self.first_day.replace(day=1)
            m0 = period_start(self.today, "month")
            m1 = previous_period_start(m0, "month")
            self.current_month, self.last_month = m0, m1
            self.mid_year = period_start(self.today - datetime.timedelta(days=183), "month")
            self.sspr_done = period_start(self.today - datetime.timedelta(days=150), "month")
            self.plan_changes()

        def configure(self):
            self.users = self.ensure_users()
            self.services = self.ensure_services()
            self.personas = self.ensure_personas()
            self.metrics = self.ensure_metrics()
            self.ensure_office()
            self.tags = self.ensure_tags()
            self.ensure_xlas()
            self.ensure_meeting_series()
            self.ensure_changes()

    return OrgBuilder(org)


def template_rows(per_org: int, today: datetime.date, seed: int = 42) -> list[tuple]:
    """`per_org` responses as (service slug, persona slug, rest of the COPY columns as text)."""
    from demo import text
    from demo.responses import ResponsesMixin, _weighted

    rng = random.Random(seed)
    base = {s[0]: s[3] for s in text.SERVICES}
    group_of = {s[0]: s[5] for s in text.SERVICES}
    services = [(s[0], s[4]) for s in text.SERVICES]
    personas = [(p[0], p[2]) for p in text.PERSONAS]
    start = datetime.datetime.combine(
        today - datetime.timedelta(days=SPAN_DAYS), datetime.time(), tzinfo=datetime.UTC
    )
    step = SPAN_DAYS * 86400 / max(per_org, 1)
    rows = []
    for n in range(per_org):
        at = start + datetime.timedelta(seconds=n * step)
        service, persona = _weighted(rng, services), _weighted(rng, personas)
        story = "vpn" if service == "remote-work" and (today - at.date()).days < 14 else None
        score = ResponsesMixin._score(rng, base[service] - (60 if story else 0))
        touchpoint = _weighted(rng, text.TOUCHPOINTS)
        lost = ResponsesMixin._lost_time(rng, touchpoint, score, story, persona)
        ticketed = touchpoint != "proactive"
        rest = (
            str(score),
            r"\N" if lost is None else str(lost),
            json.dumps(ResponsesMixin._factors(rng, score, story)),
            ResponsesMixin._comment(rng, service, score, story),
            touchpoint,
            _weighted(rng, text.CHANNELS),
            _weighted(rng, text.LOCATIONS),
            group_of[service],
            f"INC{1000000 + n}" if ticketed else "",
            str(min(6, int(rng.expovariate(1.2)))) if ticketed else r"\N",
            f"{rng.random() * 72:.2f}" if ticketed else r"\N",
            at.isoformat(),
        )
        rows.append((service, persona, "\t".join(_escape(v) for v in rest)))
    return rows


def _escape(value: str) -> str:
    if value == r"\N":
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def create_orgs(count: int, per_org: int, *, say=print) -> list[int]:
    """`count` organisations with their configuration and queued responses; their ids."""
    from django.db import connection

    from experience.models import PendingResponse, Persona, Service, SurveyResponse
    from xmo.periods import local_today
    from xmo.services import organisation_create

    started, last = time.monotonic(), time.monotonic()
    ids = []
    for i in range(count):
        org = organisation_create(slug=f"org-{i:04d}", name=f"Organisation {i}", time_zone="UTC")
        _builder(org).configure()
        ids.append(org.pk)
        if time.monotonic() - last >= 5 or i + 1 == count:
            last = time.monotonic()
            say(f"bench: orgs: {i + 1}/{count} organisations set up ({last - started:.0f} s)")
    rows = template_rows(per_org, local_today(org))
    services, personas = {}, {}
    for model, into in ((Service, services), (Persona, personas)):
        for org_id, slug, pk in model.objects.values_list("organisation_id", "slug", "id"):
            into[(org_id, slug)] = pk
    now = datetime.datetime.now(datetime.UTC).isoformat()
    table, queue = SurveyResponse._meta.db_table, PendingResponse._meta.db_table
    with connection.cursor() as cursor:
        for first in range(0, count, 50):
            out = io.StringIO()
            for org_id in ids[first : first + 50]:
                for n, (service, persona, rest) in enumerate(rows):
                    out.write(
                        f"{org_id}\tbench-{n:07d}\t{services[(org_id, service)]}\t"
                        f"{personas[(org_id, persona)]}\t{rest}\t{now}\tnew\tf\n"
                    )
            with cursor.copy(f"COPY {table} ({COPY_COLUMNS}) FROM STDIN") as copy:
                copy.write(out.getvalue())
            say(
                f"bench: orgs: responses of {min(first + 50, count)}/{count} organisations"
                f" loaded ({time.monotonic() - started:.0f} s)"
            )
        cursor.execute(
            f"INSERT INTO {queue} (response_id, organisation_id) SELECT id, organisation_id"
            f" FROM {table}"
        )
        for name in (table, queue):
            cursor.execute(f"ANALYZE {name}")
    return ids
