"""Verdicts on generated data: improved, worsened, no change, insufficient data."""

import datetime

import pytest

from changes.models import Change
from changes.verdicts import change_windows, judge_due_changes
from tests.changes.conftest import DAY, IMPLEMENTED, fill
from tests.factories import ChangeFactory, DisruptionFactory

pytestmark = pytest.mark.django_db
DUE = datetime.datetime(2026, 10, 22, 6, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("treated_after", "per_day", "verdict"),
    [
        ((0.80, 0.05), 25, "improved"),
        ((0.15, 0.60), 25, "worsened"),
        ((0.45, 0.25), 25, "no_change"),
        ((0.80, 0.05), 2, "insufficient_data"),
    ],
)
def test_each_verdict_from_generated_data(org_a, estate, treated_after, per_day, verdict):
    fill(org_a, estate, treated_after=treated_after, per_day_treated=per_day)
    change = ChangeFactory(
        organisation=org_a, implemented_at=IMPLEMENTED, services=[estate["portal"]]
    )
    assert judge_due_changes(org_a, now=DUE) == {"judged": 1, "waiting": 0}
    change.refresh_from_db()
    assert change.verdict == verdict
    assert change.details["treated"] == ["portal"]
    assert change.details["comparison"] == ["collab", "laptops"]
    happiness = change.details["measures"][0]
    assert happiness["measure"] == "happiness"
    if verdict == "insufficient_data":
        assert change.effect is None and "at least 30 answers" in happiness["reason"]
        return
    assert change.verdict_measure == "happiness" or verdict == "no_change"
    assert happiness["ci_low"] < happiness["effect"] < happiness["ci_high"]
    if verdict == "improved":
        assert happiness["ci_low"] > 0 and change.p_value < 0.05
    if verdict == "worsened":
        assert happiness["ci_high"] < 0 and change.p_value < 0.05
    if verdict == "no_change":
        assert happiness["ci_low"] <= 0 <= happiness["ci_high"]
    # Judged once: running again changes nothing.
    assert judge_due_changes(org_a, now=DUE + datetime.timedelta(days=1)) == {
        "judged": 0,
        "waiting": 0,
    }


def test_a_change_waits_for_its_after_window(org_a, estate):
    ChangeFactory(organisation=org_a, implemented_at=IMPLEMENTED, services=[estate["portal"]])
    early = DUE - datetime.timedelta(days=1)
    assert judge_due_changes(org_a, now=early) == {"judged": 0, "waiting": 1}
    assert Change.objects.get().verdict == "pending"


def test_windows_skip_the_implementation_day_and_the_declared_disruption(org_a, estate):
    change = ChangeFactory(
        organisation=org_a, implemented_at=IMPLEMENTED, services=[estate["portal"]]
    )
    windows = change_windows(change)
    assert (windows.before_start, windows.before_end) == (
        DAY - datetime.timedelta(days=14),
        DAY,
    )
    assert (windows.after_start, windows.after_end) == (
        DAY + datetime.timedelta(days=1),
        DAY + datetime.timedelta(days=15),
    )
    # A disruption from the evening before to 3 days later: both windows move away from it.
    change.disruption = DisruptionFactory(
        organisation=org_a,
        starts_at=IMPLEMENTED - datetime.timedelta(hours=16),
        ends_at=datetime.datetime(2026, 10, 10, 0, 0, tzinfo=datetime.UTC),
        services=[estate["portal"]],
    )
    windows = change_windows(change)
    assert windows.before_end == DAY - datetime.timedelta(days=1)
    # Ends at midnight: 10 Oct is the first whole day after it.
    assert windows.after_start == datetime.date(2026, 10, 10)
    assert windows.after_end == datetime.date(2026, 10, 24)


def test_services_touched_by_other_changes_are_not_in_the_comparison(org_a, estate):
    fill(org_a, estate, treated_after=(0.80, 0.05))
    change = ChangeFactory(
        organisation=org_a, implemented_at=IMPLEMENTED, services=[estate["portal"]]
    )
    ChangeFactory(
        organisation=org_a,
        implemented_at=IMPLEMENTED + datetime.timedelta(days=3),
        services=[estate["laptops"]],
        verdict="worsened",  # already judged: only its services matter here
    )
    judge_due_changes(org_a, now=DUE)
    change.refresh_from_db()
    assert change.details["comparison"] == ["collab"]
    assert change.verdict == "improved"


def test_no_untouched_service_means_insufficient_data(org_a, estate):
    fill(org_a, estate, treated_after=(0.80, 0.05))
    change = ChangeFactory(
        organisation=org_a, implemented_at=IMPLEMENTED, services=list(estate.values())
    )
    judge_due_changes(org_a, now=DUE)
    change.refresh_from_db()
    assert change.verdict == "insufficient_data"
    assert "No comparable untouched service" in change.details["measures"][0]["reason"]
