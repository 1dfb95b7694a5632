import datetime
from unittest import mock

import pytest


@pytest.fixture
def time_machine_nov():
    """Local today is 3 November 2026: October is the last closed month."""
    with mock.patch("xmo.periods.local_today", return_value=datetime.date(2026, 11, 3)):
        yield
