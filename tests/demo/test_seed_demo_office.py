"""The demo office: hand-over history, roles, scope with a pilot, key results, people."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from office.models import (
    Duty,
    FocusArea,
    KeyResult,
    Office,
    OfficerProfile,
    PhaseChange,
    ServiceScope,
    TrainingItem,
)
from office.progress import key_result_progress
from xmo.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@time_machine.travel(datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC))
def test_seed_demo_office_plan(client):
    call_command("seed_demo", "--responses", "3000", stdout=io.StringIO(), stderr=io.StringIO())
    org = Organisation.objects.get(slug="demo")
    office = Office.objects.get(organisation=org)
    assert office.mission and office.phase == "xmo"
    change = PhaseChange.objects.get(organisation=org)
    assert (change.from_phase, change.to_phase, change.decided_on) == (
        "task_force",
        "xmo",
        office.established_on,
    )
    assert Duty.objects.filter(organisation=org, temporary=True, ended_on=change.decided_on)
    assert Duty.objects.filter(organisation=org, ended_on__isnull=True).count() >= 5
    scopes = dict(
        ServiceScope.objects.filter(organisation=org).values_list("service__slug", "status")
    )
    assert list(scopes.values()).count("pilot") == 1 and scopes["identity"] == "pilot"
    key_results = KeyResult.objects.filter(objective__organisation=org)
    assert key_results.count() == 4
    assert {kr.measure for kr in key_results} == {"happiness", "lost_time_mean", "xla_indicator"}
    # In progress: each has a value from the closed months since it started.
    assert all(p.current is not None for p in key_result_progress(org, key_results))
    assert OfficerProfile.objects.filter(membership__organisation=org).count() == 2
    assert TrainingItem.objects.filter(organisation=org, completed_on__isnull=True).count() >= 2
    assert FocusArea.objects.filter(organisation=org).count() == 3

    client.force_login(get_user_model().objects.get(username="officer"))
    page = client.get("/office/").content.decode()
    assert "Permanent since" in page and "Pilot" in page and "Focus areas in force" in page
    assert "Remote work reliability" in page
