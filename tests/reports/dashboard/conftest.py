import datetime
import json
import re

import pytest
from django.utils import timezone

from tests.factories import PersonaFactory, ServiceFactory
from tests.reports.dashboard.helpers import seed_responses
from xmo.periods import last_closed_period


@pytest.fixture
def services(org_a, users):
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    laptops = ServiceFactory(
        organisation=org_a, slug="laptops", name="Laptops", owner=users["service_owner"]
    )
    portal = ServiceFactory(organisation=org_a, slug="portal", name="Service portal")
    return [desk, laptops, portal]


@pytest.fixture
def personas(org_a):
    return [
        PersonaFactory(organisation=org_a, slug="doers", name="Doers"),
        PersonaFactory(organisation=org_a, slug="triers", name="Triers"),
    ]


@pytest.fixture
def month(org_a):
    return last_closed_period(org_a, "month")[0]


@pytest.fixture
def seeded(org_a, services, personas, month):
    """1 500 responses over 13 months ending mid-way through the month after `month`."""
    now = timezone.now()
    seed_responses(org_a, services, personas=personas, count=1500, now=now)
    return {"services": services, "personas": personas, "month": month}


ROLES_ALL = ["admin", "officer", "member", "leader", "service_owner", "viewer"]


def figure(html: str, script_id: str) -> dict:
    """The Plotly figure passed to the page with json_script under `script_id`."""
    match = re.search(
        rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no figure {script_id} on the page"
    return json.loads(match.group(1))


def tile_value(html: str, name: str):
    match = re.search(rf'data-figure="{name}" data-value="([^"]*)"', html)
    assert match, f"no tile {name}"
    return float(match.group(1)) if match.group(1) else None


def month_param(day: datetime.date) -> str:
    return day.strftime("%Y-%m")
