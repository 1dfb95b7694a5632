"""A year of daily operational metric samples per service, with the VPN outage in them."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from experience.models import MetricSample
from experience.rollups.queue import enqueue_all_samples
from xmo.periods import period_start

from .bulk import db_datetime, insert_rows

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


def collaboration_load(day: datetime.date) -> float:
    """How strained Collaboration's support is in the week of `day`: about N(0, 1), sticky.

    Its resolution time follows it, and so does its happiness (responses.py): the demo's
    service whose experience an operational metric predicts.
    """
    week = period_start(day, "week").toordinal()
    this, last = (random.Random(f"load-{w}").gauss(0, 1) for w in (week, week - 7))
    return max(-2.5, min(2.5, (this + last) / 2**0.5))


class MetricSamplesMixin:
    """Generates the operational metric samples."""

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
            load = collaboration_load(day)
            for slug, (res, fcr, avail, crash) in METRIC_BASE.items():
                vpn_out = in_drop and slug == "remote-work"
                values = {
                    "resolution-time": res
                    * rng.lognormvariate(0, 0.25)
                    * (3 if vpn_out else 1)
                    * (1 + 0.25 * load if slug == "collaboration" else 1),
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
        ]
        self.add("metric samples", insert_rows(MetricSample, columns, rows))
        enqueue_all_samples(self.org.pk)
