"""The services list and a service's experience page: roles, figures, empty states."""

import datetime

import pytest
from django.core.management import call_command

from experience.models import ExperienceModel
from tests.experience.xo_data import make_weeks
from tests.factories import (
    IndicatorFactory,
    PersonaFactory,
    ServiceFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xmo.roles import CAPABILITIES

NOW = datetime.datetime(2026, 6, 17, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def desk(org_a, users, frozen):
    # The open week runs slow: happiness is forecast to fall well below its usual level.
    service = make_weeks(org_a, weeks=40, per_week=42, open_level=16.0)
    service.owner = users["service_owner"]
    service.save()
    return service


@pytest.mark.parametrize("role", sorted(CAPABILITIES["view_dashboard"]))
def test_each_role_reads_the_page(client, users, desk, role):
    client.force_login(users[role])
    page = client.get(f"/experience/services/{desk.slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Desk: experience and operations" in html
    assert 'data-metric="resolution-time" data-moves="happiness,lost_time_mean"' in html
    assert 'data-metric="queue-length" data-moves=""' in html
    assert "Moves with happiness: when Resolution time rises, happiness falls" in html
    assert "Does not move with happiness: every interval includes 0" in html
    assert 'id="fig-happiness"' in html and 'id="fig-corr-happiness"' in html
    # Without a stored fit the page says how a forecast comes.
    assert "No forecast yet" in html


def test_page_shows_the_forecast_once_fitted(client, users, desk, org_a):
    call_command("run_job", "fit_experience_models", org=org_a.slug)
    assert ExperienceModel.objects.filter(service=desk).count() == 2
    client.force_login(users["viewer"])
    html = client.get(f"/experience/services/{desk.slug}/").content.decode()
    assert 'data-forecast="happiness" data-week="2026-06-15"' in html
    assert 'data-forecast="lost_time_mean" data-week="2026-06-22"' in html
    assert "Ridge model on" in html and "beats the naive forecast" in html


def test_weeks_and_aggregation_are_selectable(client, users, desk):
    client.force_login(users["officer"])
    html = client.get(
        f"/experience/services/{desk.slug}/?weeks=13&agg_resolution-time=max"
    ).content.decode()
    assert "the last 13 closed weeks (16 Mar 2026 to 8 Jun 2026)" in html
    assert "Resolution time, weekly maximum" in html
    assert '<option value="max" selected>' in html
    # Unknown choices fall back to the defaults.
    html = client.get(
        f"/experience/services/{desk.slug}/?weeks=7&agg_resolution-time=median"
    ).content.decode()
    assert "the last 26 closed weeks" in html and "Resolution time, weekly 90th percentile" in html


def test_service_owner_sees_only_their_services(client, users, org_a, frozen):
    ServiceFactory(organisation=org_a, slug="mine", owner=users["service_owner"])
    ServiceFactory(organisation=org_a, slug="theirs")
    client.force_login(users["service_owner"])
    assert client.get("/experience/services/theirs/").status_code == 404
    assert client.get("/experience/services/mine/").status_code == 200
    listing = client.get("/experience/services/").content.decode()
    assert 'data-service="mine"' in listing and 'data-service="theirs"' not in listing


def test_other_organisations_service_is_404(client, outsider, org_a, frozen):
    ServiceFactory(organisation=org_a, slug="desk")
    client.force_login(outsider)
    assert client.get("/experience/services/desk/").status_code == 404


def test_empty_states(client, users, org_a, frozen):
    bare = make_weeks(org_a, weeks=12, per_week=14, slug="bare", metrics=False)
    ServiceFactory(organisation=org_a, slug="new", name="New service")
    client.force_login(users["admin"])
    html = client.get(f"/experience/services/{bare.slug}/").content.decode()
    assert "No operational metric has samples for Bare in these weeks" in html
    html = client.get("/experience/services/new/").content.decode()
    assert "No operational metric has samples for New service" in html
    assert "No forecast yet" in html
    listing = client.get("/experience/services/").content.decode()
    assert 'data-service="bare"' in listing and 'data-service="new"' in listing


def test_too_few_weeks_say_so(client, users, org_a, frozen):
    short = make_weeks(org_a, weeks=5, per_week=14, slug="short")
    client.force_login(users["admin"])
    html = client.get(f"/experience/services/{short.slug}/").content.decode()
    assert "Too few weeks to tell whether it moves with happiness." in html
    assert "too few weeks (5)" in html


def test_xla_page_shows_a_predicted_miss(client, users, desk, org_a):
    call_command("run_job", "fit_experience_models", org=org_a.slug)
    xla = XLAFactory(organisation=org_a, name="Happy desk")
    xla.services.add(desk)
    version = XLAVersionFactory(xla=xla, number=1, status="active")
    IndicatorFactory(version=version, key="happy", name="Happiness", target=70, warning=60)
    IndicatorFactory(
        version=version,
        key="lost",
        name="Lost time",
        measure="lost_time_mean",
        direction="lower",
        target=10_000,
        warning=12_000,
    )
    client.force_login(users["viewer"])
    html = client.get(f"/xlas/{xla.pk}/").content.decode()
    assert "Predicted miss this week" in html
    assert 'data-predicted-miss="happy:desk"' in html
    assert 'data-predicted-miss="lost:desk"' not in html
    # The model is per service and per week: the page says so.
    assert "for all of its users." in html
    assert "against a monthly target of" in html


def test_a_persona_xla_says_the_prediction_covers_every_user(client, users, desk, org_a):
    call_command("run_job", "fit_experience_models", org=org_a.slug)
    xla = XLAFactory(organisation=org_a, name="Happy doers")
    xla.services.add(desk)
    xla.personas.add(PersonaFactory(organisation=org_a, name="Doers"))
    version = XLAVersionFactory(xla=xla, number=1, status="active")
    IndicatorFactory(
        version=version, key="happy", name="Happiness", target=70, warning=60, period="week"
    )
    client.force_login(users["viewer"])
    html = client.get(f"/xlas/{xla.pk}/").content.decode()
    assert 'data-predicted-miss="happy:desk"' in html
    assert "for all of its users, not only Doers." in html
    assert "against a target of" in html


def test_xla_page_has_no_predicted_miss_when_the_interval_reaches_the_target(
    client, users, desk, org_a
):
    call_command("run_job", "fit_experience_models", org=org_a.slug)
    xla = XLAFactory(organisation=org_a, name="Modest desk")
    xla.services.add(desk)
    version = XLAVersionFactory(xla=xla, number=1, status="active")
    IndicatorFactory(version=version, key="happy", name="Happiness", target=-100, warning=-100)
    client.force_login(users["viewer"])
    assert "Predicted miss" not in client.get(f"/xlas/{xla.pk}/").content.decode()


def test_dashboard_links_each_service_row(client, users, desk):
    client.force_login(users["leader"])
    html = client.get("/dashboard/?month=2026-05").content.decode()
    assert f'href="/experience/services/{desk.slug}/"' in html
