"""Demo meeting series (weekly, monthly per IT area, quarterly, annual) and improvement
initiatives."""

from __future__ import annotations

import datetime

from meetings.models import ImprovementInitiative, MeetingSeries
from xlas.models import XLA


class MeetingsMixin:
    """Creates the meeting series and the improvement initiatives."""

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
            (
                "annual",
                "Annual experience review",
                "",
                [],
                3,
                3,
                "13:00",
                180,
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
