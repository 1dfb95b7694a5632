"""The demo XMO office: mission, objectives, focus areas and the officer's profile."""

from __future__ import annotations

import datetime

from office.models import FocusArea, Objective, Office, OfficerProfile
from xmo.models import Membership
from xmo.periods import period_start


class OfficeMixin:
    """Creates the XMO office and what it aims for."""

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
            # In progress: the 12-month ones started six months ago, the 6-month ones three.
            quarter_ago = period_start(self.today - datetime.timedelta(days=90), "month")
            for horizon, title, status in objectives:
                starts_on = self.mid_year if horizon == "12m" else quarter_ago
                Objective.objects.create(
                    organisation=self.org,
                    horizon=horizon,
                    title=title,
                    status=status,
                    starts_on=starts_on,
                    due_on=starts_on + datetime.timedelta(days=365 if horizon == "12m" else 182),
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
