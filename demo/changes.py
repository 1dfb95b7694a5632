"""Demo changes, a planned disruption and an initiative whose payback shows.

- Three changes implemented 40 days ago, each with its story in the responses: the portal
  search upgrade lifts the service portal (improved, as expected), the ERP upgrade drags
  enterprise applications down although it was expected to be neutral (worsened: on the
  weekly agenda), the VPN client update was expected to help and changed nothing (no change).
- A Windows upgrade wave on laptops for Doers, declared in advance in the last month: the
  breach of that month is acknowledged in advance, not escalated.
- "Identity self-service enrolment", started 8 weeks ago on identity: lost time there falls
  by a quarter and happiness rises, so its payback is measured against the untouched services.
"""

from __future__ import annotations

import datetime

from changes.models import Change
from experience.disruptions.models import Disruption
from meetings.models import ImprovementInitiative

CHANGE_DAYS_AGO = 40
PAYBACK_WEEKS_AGO = 8
# service → happiness points added after the change day
CHANGE_STORIES = [
    ("CHG0031842", "Portal search upgrade", "service-portal", "improve", 25.0),
    ("CHG0031907", "ERP upgrade to release 2026.2", "enterprise-apps", "neutral", -25.0),
    ("CHG0032015", "VPN client update", "remote-work", "improve", 0.0),
]
PAYBACK_SERVICE = "identity"


class ChangesMixin:
    """Adds the change, disruption and payback stories (dates relative to today)."""

    def plan_changes(self):
        self.change_day = self.today - datetime.timedelta(days=CHANGE_DAYS_AGO)
        self.payback_start = self.today - datetime.timedelta(weeks=PAYBACK_WEEKS_AGO)
        self.change_lift = {service: lift for _, _, service, _, lift in CHANGE_STORIES if lift}

    def story_effect(self, service: str, day: datetime.date) -> tuple[float, float]:
        """(happiness points added, lost-time factor) for a response of `service` on `day`."""
        lift = self.change_lift.get(service)
        if lift is not None and day > self.change_day:
            return lift, 1.0
        if service == PAYBACK_SERVICE and day >= self.payback_start:
            return 5.0, 0.75
        return 0.0, 1.0

    def ensure_changes(self):
        if Change.objects.filter(organisation=self.org).exists():
            return
        self.org.currency = "GBP"
        self.org.hourly_cost = 38.0
        self.org.save(update_fields=["currency", "hourly_cost"])
        for slug, cost in (("prioritizers", 65.0), ("doers", 42.0)):
            persona = self.personas[slug]
            persona.hourly_cost = cost
            persona.save(update_fields=["hourly_cost"])
        implemented = datetime.datetime.combine(
            self.change_day, datetime.time(19, 0), tzinfo=self.tz
        )
        for external_id, title, service, expected, _ in CHANGE_STORIES:
            change = Change.objects.create(
                organisation=self.org,
                external_id=external_id,
                title=title,
                source="ServiceNow",
                implemented_at=implemented,
                expected_effect=expected,
            )
            change.services.set([self.services[service]])
        self.add("changes", len(CHANGE_STORIES))
        start = datetime.datetime.combine(
            self.last_month + datetime.timedelta(days=3), datetime.time(18), tzinfo=self.tz
        )
        disruption = Disruption.objects.create(
            organisation=self.org,
            title="Windows 11 upgrade wave",
            description="Laptops are re-imaged overnight, one floor at a time.",
            starts_at=start,
            ends_at=start + datetime.timedelta(days=7),
            expected_happiness_effect=-15.0,
            expected_lost_time_effect=60.0,
            mitigation="Loan laptops at each site; floor walkers the morning after.",
            approved_by=self.users["leader"],
            approved_at=start - datetime.timedelta(days=10),
            created_by=self.users["officer"],
        )
        disruption.services.set([self.services["laptops"]])
        disruption.personas.set([self.personas["doers"]])
        # Declared two weeks ahead of the wave.
        Disruption.objects.filter(pk=disruption.pk).update(
            created_at=start - datetime.timedelta(days=14)
        )
        self.add("planned disruptions")
        initiative = ImprovementInitiative.objects.create(
            organisation=self.org,
            title="Identity self-service enrolment",
            description="Enrol every account for self-service unlock and MFA reset.",
            owner=self.users["officer"],
            status="active",
            started_on=self.payback_start,
        )
        initiative.services.set([self.services[PAYBACK_SERVICE]])
        self.add("improvement initiatives")
