"""Demo XLAs: versions, indicators and targets that tell the breach stories."""

from __future__ import annotations

import datetime

from django.utils import timezone

from xlas.models import XLA, Indicator, XLAVersion


class GovernanceMixin:
    """Creates the XLAs with their version history."""

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
