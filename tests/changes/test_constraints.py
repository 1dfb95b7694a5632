"""Every database constraint of the changes refuses the row it exists to refuse."""

import pytest

from changes.models import Change
from tests.constraints import refused
from tests.factories import ChangeFactory

pytestmark = pytest.mark.django_db


def test_change_external_id_unique():
    change = ChangeFactory(external_id="CHG-1")
    with refused():
        Change.objects.create(
            organisation=change.organisation,
            external_id="CHG-1",
            title="Twin",
            implemented_at=change.implemented_at,
        )
