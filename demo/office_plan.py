"""The demo office's plan: phase history, roles, scope, key results, profiles and training."""

from __future__ import annotations

import datetime

from office.models import (
    Duty,
    DutyAssignment,
    KeyResult,
    Objective,
    Office,
    OfficerProfile,
    PhaseChange,
    ServiceScope,
    TrainingItem,
)
from xlas.models import XLA
from xmo.models import Membership

# title, temporary, {user key: level}
DUTIES = [
    ("Weekly feedback review and tagging", False, {"officer": "R", "member": "C", "admin": "I"}),
    ("Score drops and breach investigations", False, {"officer": "R", "owner": "C"}),
    ("Monthly experience report", False, {"officer": "R", "leader": "A", "member": "C"}),
    ("XLA reviews with owners and leaders", False, {"officer": "R", "leader": "A", "owner": "C"}),
    ("Meetings, agendas and minutes", False, {"member": "R", "officer": "A", "leader": "I"}),
    ("Data feeds and API tokens", False, {"admin": "R", "officer": "C"}),
    ("Pilot reports to the steering group", True, {"officer": "R", "leader": "A"}),
]
PILOT, OUT = "identity", "enterprise-apps"


class OfficePlanMixin:
    """Runs after the XLAs and meetings exist: key results follow an XLA's indicator."""

    def ensure_office_plan(self):
        office = Office.objects.get(organisation=self.org)
        members = {
            key: Membership.objects.get(organisation=self.org, user=user)
            for key, user in self.users.items()
        }
        if not PhaseChange.objects.filter(organisation=self.org).exists():
            PhaseChange.objects.create(
                organisation=self.org,
                from_phase="task_force",
                to_phase="xmo",
                decided_on=office.established_on,
                reason="The steering group made the office permanent after the six-month pilot.",
                decided_by=self.users["leader"],
            )
            self.add("phase changes")
        if not Duty.objects.filter(organisation=self.org).exists():
            for order, (title, temporary, cells) in enumerate(DUTIES):
                duty = Duty.objects.create(
                    organisation=self.org,
                    title=title,
                    order=order,
                    temporary=temporary,
                    ended_on=office.established_on if temporary else None,
                )
                for key, level in cells.items():
                    key = "service_owner" if key == "owner" else key
                    DutyAssignment.objects.create(duty=duty, membership=members[key], level=level)
            self.add("duties", len(DUTIES))
        self._ensure_scope(office)
        self._ensure_key_results()
        self._ensure_people(members)

    def _ensure_scope(self, office):
        if ServiceScope.objects.filter(organisation=self.org).exists():
            return
        with_xla = set(
            XLA.objects.filter(organisation=self.org, versions__status="active").values_list(
                "services__slug", flat=True
            )
        )
        reviewed = self.last_month + datetime.timedelta(days=6)
        for slug, service in self.services.items():
            status = "pilot" if slug == PILOT else "out" if slug == OUT else "in_scope"
            gaps = status == "in_scope" and (slug not in with_xla or service.owner_id is None)
            ServiceScope.objects.create(
                organisation=self.org,
                service=service,
                status=status,
                last_reviewed_on=reviewed if status != "out" else None,
                override_reason=(
                    "In scope since the task-force pilot; the open checks are followed up "
                    "in the monthly meeting."
                    if gaps
                    else ""
                ),
                override_by=self.users["officer"] if gaps else None,
                changed_on=office.established_on,
            )
        office.services_in_scope.set(
            [s for slug, s in self.services.items() if slug not in (PILOT, OUT)]
        )
        self.add("service scopes", len(self.services))

    def _ensure_key_results(self):
        if KeyResult.objects.filter(objective__organisation=self.org).exists():
            return
        objectives = list(Objective.objects.filter(organisation=self.org))
        doers = XLA.objects.filter(organisation=self.org, name="Doers' devices just work").first()
        specs = [
            (
                "Raise happiness",
                "Happiness across all services reaches +80",
                "happiness",
                None,
                None,
                62.0,
                80.0,
            ),
            (
                "Raise happiness",
                "Service desk happiness reaches +80",
                "happiness",
                "service-desk",
                None,
                65.0,
                80.0,
            ),
            (
                "Halve the time",
                "Lost time on laptop tickets falls to 120 min",
                "lost_time_mean",
                "laptops",
                None,
                260.0,
                120.0,
            ),
            (
                "Review every XLA",
                "Doers' device happiness meets its XLA target of +68",
                "xla_indicator",
                None,
                "happiness",
                45.0,
                68.0,
            ),
        ]
        created = 0
        for prefix, title, measure, service, indicator_key, start_value, target in specs:
            objective = next((o for o in objectives if o.title.startswith(prefix)), None)
            if objective is None or (measure == "xla_indicator" and doers is None):
                continue
            KeyResult.objects.create(
                objective=objective,
                title=title,
                measure=measure,
                xla=doers if measure == "xla_indicator" else None,
                indicator_key=indicator_key or "",
                service=self.services[service] if service else None,
                start_value=start_value,
                target_value=target,
                starts_on=objective.starts_on,
                due_on=objective.due_on,
            )
            created += 1
        self.add("key results", created)

    def _ensure_people(self, members):
        if TrainingItem.objects.filter(organisation=self.org).exists():
            return
        officer = OfficerProfile.objects.filter(membership=members["officer"]).first()
        certified = officer.certified_on if officer else self.first_day
        plan = [
            (
                "officer",
                "ITXM Foundation",
                certified,
                certified,
                "https://itxm.example/cert/OH-1042",
            ),
            (
                "officer",
                "ITXM Practitioner: XLA design",
                self.today + datetime.timedelta(days=10),
                None,
                "",
            ),
            ("member", "ITXM Foundation", self.today - datetime.timedelta(days=5), None, ""),
            (
                "member",
                "Facilitating experience meetings",
                self.today + datetime.timedelta(days=45),
                None,
                "",
            ),
            (
                "owner",
                "Experience data for service owners",
                self.today - datetime.timedelta(days=30),
                self.today - datetime.timedelta(days=33),
                "",
            ),
        ]
        for key, course, due, done, evidence in plan:
            key = "service_owner" if key == "owner" else key
            TrainingItem.objects.create(
                organisation=self.org,
                membership=members[key],
                course=course,
                due_on=due,
                completed_on=done,
                evidence=evidence,
            )
        if not OfficerProfile.objects.filter(membership=members["member"]).exists():
            profile = OfficerProfile.objects.create(
                membership=members["member"],
                part_time_share=20,
                certification="",
                certified_on=None,
            )
            profile.service_areas.set([self.services["collaboration"]])
            self.add("officer profiles")
        self.add("training plan rows", len(plan))
