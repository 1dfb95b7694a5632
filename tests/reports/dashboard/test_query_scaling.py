"""The dashboard's cost follows the periods and segments shown, not the responses stored."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reports.dashboard.helpers import seed_responses

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _count(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_same_number_of_queries_with_1_000_and_20_000_responses(login, users, org_a, services):
    client = login(users["leader"])
    seed_responses(org_a, services, count=1_000, prefix="small")
    urls = [
        "/dashboard/",
        "/dashboard/?dim=location&service=desk",
        "/dashboard/segment/?service=desk",
    ]
    client.get("/")  # the session's first request writes it; keep that out of the counts
    small = [_count(client, url) for url in urls]
    seed_responses(org_a, services, count=19_000, prefix="large", seed=11)
    large = [_count(client, url) for url in urls]
    assert small == large
