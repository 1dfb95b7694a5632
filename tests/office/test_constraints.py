"""Every database constraint of the office refuses the row it exists to refuse."""

import pytest

from office.models import Duty, DutyAssignment, OfficerProfile, ServiceScope
from tests.constraints import refused, set_fields
from tests.factories import (
    DutyFactory,
    KeyResultFactory,
    MembershipFactory,
    OfficerProfileFactory,
    ServiceFactory,
    XLAFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("share", [0, 101])
def test_officer_share_range(share):
    set_fields(OfficerProfileFactory(), part_time_share=share)


def test_officer_profile_one_per_membership():
    profile = OfficerProfileFactory()
    with refused():
        OfficerProfile.objects.create(membership=profile.membership)


def test_duty_title_unique():
    duty = DutyFactory(title="Tag feedback")
    with refused():
        Duty.objects.create(organisation=duty.organisation, title="Tag feedback")


def test_duty_assignment_unique():
    duty = DutyFactory()
    member = MembershipFactory(organisation=duty.organisation)
    DutyAssignment.objects.create(duty=duty, membership=member, level="R")
    with refused():
        DutyAssignment.objects.create(duty=duty, membership=member, level="A")


def test_duty_level_valid():
    duty = DutyFactory()
    row = DutyAssignment.objects.create(
        duty=duty, membership=MembershipFactory(organisation=duty.organisation), level="R"
    )
    set_fields(row, level="Z")


def test_scope_status_valid():
    service = ServiceFactory()
    scope = ServiceScope.objects.create(organisation=service.organisation, service=service)
    set_fields(scope, status="everywhere")


def test_key_result_dates_ordered():
    key_result = KeyResultFactory()
    set_fields(key_result, due_on=key_result.starts_on)


def test_key_result_measure_fields():
    # An XLA indicator needs its XLA and key; another measure has no XLA.
    key_result = KeyResultFactory(measure="happiness")
    set_fields(key_result, measure="xla_indicator")
    xla = XLAFactory(organisation=key_result.objective.organisation)
    set_fields(key_result, xla=xla)
