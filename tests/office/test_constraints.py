"""Every database constraint of the office refuses the row it exists to refuse."""

import pytest

from office.models import OfficerProfile
from tests.constraints import refused, set_fields
from tests.factories import (
    OfficerProfileFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("share", [0, 101])
def test_officer_share_range(share):
    set_fields(OfficerProfileFactory(), part_time_share=share)


def test_officer_profile_one_per_membership():
    profile = OfficerProfileFactory()
    with refused():
        OfficerProfile.objects.create(membership=profile.membership)
