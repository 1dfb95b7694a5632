"""GET /api/v1/services/{slug}/experience-drivers/ and GET /api/v1/predictions/."""

import datetime

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from experience.models import ExperienceModel
from tests.experience.xo_data import make_weeks
from tests.factories import (
    ApiTokenFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
)

NOW = datetime.datetime(2026, 6, 17, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def client_with(org, scopes=("read",)):
    _, raw = ApiTokenFactory.create_with_key(organisation=org, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def desk(org_a, frozen):
    return make_weeks(org_a, weeks=40, per_week=42)


def test_drivers_contract(org_a, desk, django_assert_max_num_queries):
    reader = client_with(org_a)
    # Reads grow with metrics × weeks, not with samples or responses.
    with django_assert_max_num_queries(2 * 28 + 20):
        response = reader.get("/api/v1/services/desk/experience-drivers/")
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "desk"
    assert len(body["weeks"]) == 26 and body["weeks"][-1] == "2026-06-08"
    assert [p["period_start"] for p in body["experience"]["happiness"]] == body["weeks"]
    point = body["experience"]["lost_time_mean"][-1]
    assert point["ci_low"] < point["value"] < point["ci_high"]
    metrics = {m["metric"]: m for m in body["metrics"]}
    assert set(metrics) == {"resolution-time", "queue-length"}
    resolution, queue = metrics["resolution-time"], metrics["queue-length"]
    assert resolution["aggregation"] == "p90" and queue["aggregation"] == "mean"
    assert len(resolution["values"]) == 26
    assert [(c["measure"], c["lag"]) for c in resolution["correlations"]] == [
        (m, lag) for m in ("happiness", "lost_time_mean") for lag in (0, 1, 2)
    ]
    same_week = resolution["correlations"][0]
    assert set(same_week) == {"measure", "lag", "rho", "low", "high", "n_weeks"} | {
        "moves_with_experience"
    }
    assert same_week["moves_with_experience"] is True
    assert same_week["high"] < 0 and same_week["n_weeks"] == 26
    lost_same_week = resolution["correlations"][3]
    assert lost_same_week["measure"] == "lost_time_mean" and lost_same_week["low"] > 0
    assert resolution["moves_with"] == ["happiness", "lost_time_mean"]
    assert queue["moves_with"] == []
    assert all(c["moves_with_experience"] is False for c in queue["correlations"])
    assert "Does not move with happiness" in queue["summary"]


def test_drivers_weeks_and_aggregation(org_a, desk):
    reader = client_with(org_a)
    body = reader.get(
        "/api/v1/services/desk/experience-drivers/?weeks=13&aggregation=resolution-time:max"
    ).json()
    assert len(body["weeks"]) == 13
    assert {m["metric"]: m["aggregation"] for m in body["metrics"]} == {
        "resolution-time": "max",
        "queue-length": "mean",
    }
    assert reader.get("/api/v1/services/desk/experience-drivers/?weeks=5").status_code == 400


def test_drivers_access(org_a, org_b, users, frozen):
    ServiceFactory(organisation=org_a, slug="desk", owner=users["service_owner"])
    ServiceFactory(organisation=org_a, slug="other")
    ServiceFactory(organisation=org_b, slug="b-only")
    url = "/api/v1/services/desk/experience-drivers/"
    assert APIClient().get(url).status_code == 401
    assert client_with(org_a, ("ingest",)).get(url).status_code == 403
    assert client_with(org_a, ("read",)).get(url).status_code == 200
    # Another organisation's token: the service does not exist for it.
    assert client_with(org_b, ("read",)).get(url).status_code == 404
    assert client_with(org_a).get("/api/v1/services/b-only/experience-drivers/").status_code == (
        404
    )
    # People: any role that reads dashboards; a service owner only their own services.
    session = APIClient()
    session.force_login(users["viewer"])
    assert session.get(url).status_code == 200
    session.force_login(users["service_owner"])
    assert session.get(url).status_code == 200
    assert session.get("/api/v1/services/other/experience-drivers/").status_code == 404
    stranger = UserFactory(username="b-viewer")
    MembershipFactory(user=stranger, organisation=org_b, role="viewer")
    session.force_login(stranger)
    assert session.get(url).status_code == 404


def test_drivers_of_a_service_without_data(org_a, frozen):
    ServiceFactory(organisation=org_a, slug="quiet")
    body = client_with(org_a).get("/api/v1/services/quiet/experience-drivers/").json()
    assert body["metrics"] == []
    assert all(p["value"] is None for p in body["experience"]["happiness"])


def test_prediction_contract_where_happiness_follows_a_metric(org_a, desk):
    reader = client_with(org_a)
    response = reader.get("/api/v1/predictions/?service=desk&measure=happiness")
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "desk" and body["measure"] == "happiness"
    assert [p["week_start"] for p in body["results"]] == ["2026-06-15", "2026-06-22"]
    for point in body["results"]:
        assert point["low"] < point["predicted"] < point["high"]
        assert point["model"]["kind"] == "ridge"
        assert "resolution-time p90 (this week)" in point["model"]["features"]
        assert "happiness (last week)" in point["model"]["features"]
        assert point["model"]["fitted_weeks"] >= 30
    backtest = body["backtest"]
    assert backtest["weeks"] == 26
    assert backtest["model_mae"] <= 0.8 * backtest["naive_mae"]
    assert backtest["model_beats_naive"] is True and backtest["served"] == "ridge"
    assert body["fitted_at"] is None  # not stored yet: fitted for this request

    call_command("run_job", "fit_experience_models", org=org_a.slug)
    call_command("run_job", "fit_experience_models", org=org_a.slug)
    assert ExperienceModel.objects.filter(organisation=org_a).count() == 2
    stored = reader.get("/api/v1/predictions/?service=desk&measure=lost_time_mean").json()
    assert stored["fitted_at"] == "2026-06-17T10:00:00Z"
    assert stored["backtest"]["served"] == "ridge"
    assert stored["results"][0]["low"] >= 0


def test_prediction_serves_naive_where_the_model_does_not_beat_it(org_a, frozen):
    make_weeks(org_a, weeks=40, per_week=70, experience="wander", slug="wander", seed=5)
    body = client_with(org_a).get("/api/v1/predictions/?service=wander").json()
    backtest = body["backtest"]
    assert backtest["served"] == "naive" and backtest["model_beats_naive"] is False
    assert "does not beat the naive forecast" in backtest["note"]
    last_week = client_with(org_a).get(
        "/api/v1/trends/?measure=happiness&period=week&service=wander&from=2026-06-08&to=2026-06-14"
    )
    value = last_week.json()["results"][0]["value"]
    assert [p["predicted"] for p in body["results"]] == [round(value, 2)] * 2
    assert all(p["model"]["kind"] == "naive" for p in body["results"])


def test_prediction_on_noise_metrics_is_never_worse_than_naive(org_a, frozen):
    make_weeks(org_a, weeks=40, per_week=42, experience="scatter", slug="scatter", seed=9)
    backtest = client_with(org_a).get("/api/v1/predictions/?service=scatter").json()["backtest"]
    served = backtest["model_mae"] if backtest["served"] == "ridge" else backtest["naive_mae"]
    assert served <= 1.05 * backtest["naive_mae"]


def test_prediction_validation_and_access(
    org_a, org_b, users, frozen, django_assert_max_num_queries
):
    ServiceFactory(organisation=org_a, slug="desk", owner=users["service_owner"])
    ServiceFactory(organisation=org_b, slug="b-only")
    reader = client_with(org_a)
    assert APIClient().get("/api/v1/predictions/?service=desk").status_code == 401
    assert client_with(org_a, ("ingest",)).get("/api/v1/predictions/?service=desk").status_code == (
        403
    )
    assert reader.get("/api/v1/predictions/").status_code == 400
    assert reader.get("/api/v1/predictions/?service=desk&measure=avg_score").status_code == 400
    assert reader.get("/api/v1/predictions/?service=b-only").status_code == 404
    assert client_with(org_b).get("/api/v1/predictions/?service=desk").status_code == 404
    with django_assert_max_num_queries(20):
        empty = reader.get("/api/v1/predictions/?service=desk&measure=lost_time_mean")
    assert empty.status_code == 200
    assert empty.json()["results"] == [] and empty.json()["backtest"] is None
    session = APIClient()
    session.force_login(users["leader"])
    assert session.get("/api/v1/predictions/?service=desk").status_code == 200


def test_prediction_queries_are_bounded_with_a_stored_model(
    org_a, desk, django_assert_max_num_queries
):
    call_command("run_job", "fit_experience_models", org=org_a.slug)
    with django_assert_max_num_queries(25):
        body = client_with(org_a).get("/api/v1/predictions/?service=desk").json()
    assert body["backtest"]["served"] == "ridge"
