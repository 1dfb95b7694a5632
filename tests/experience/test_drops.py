"""Score drops: injected drops are found and explained; noise stays quiet; mix is mix."""

import datetime
import random
from zoneinfo import ZoneInfo

import pytest

from experience.drops.detect import (
    ALPHA,
    detect_score_drops,
    detect_week,
    happiness_test,
    mix_rate,
)
from experience.models import ScoreDrop, SurveyResponse
from experience.rollups import process_new
from experience.stats import Stats
from tests.experience.helpers import generate, make_dimensions
from tests.factories import FeedbackTagFactory, ServiceFactory, TagFactory, enqueue_responses

TZ = ZoneInfo("Europe/Berlin")
WEEK = datetime.date(2026, 6, 1)  # a Monday
_seq = iter(range(10**9))


def response(org, service, day, score, *, channel="portal", factors=(), lost=None):
    return SurveyResponse(
        organisation=org,
        service=service,
        external_id=f"d-{next(_seq)}",
        score=score,
        channel=channel,
        factors=list(factors),
        lost_time_minutes=lost,
        submitted_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=TZ),
    )


@pytest.fixture
def berlin(org_a):
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    return org_a


def test_injected_drop_is_found_with_the_injected_factor_as_top_driver(berlin):
    rng = random.Random(3)
    desk = ServiceFactory(organisation=berlin, slug="desk")
    laptops = ServiceFactory(organisation=berlin, slug="laptops")
    tag = TagFactory(organisation=berlin, name="Queue", slug="queue")
    rows = []
    for week in range(-8, 1):
        monday = WEEK + datetime.timedelta(days=7 * week)
        for i in range(140):
            day = monday + datetime.timedelta(days=i % 7)
            service = desk if i % 2 else laptops
            dropped = week == 0 and service == desk
            score = rng.choice([0, 3, 5, 6, 7, 9]) if dropped else rng.choice([6, 8, 9, 10, 10])
            factors = rng.sample(["friendly", "slow", "unclear"], rng.choice([0, 1]))
            if dropped and rng.random() < 0.7:
                factors.append("no-callback")
            rows.append(response(berlin, service, day, score, factors=factors))
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))
    for r in [r for r in rows if "no-callback" in r.factors][:20]:
        FeedbackTagFactory(response=r, tag=tag)
    process_new(berlin)
    now = datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC)
    detect_score_drops(berlin, now=now)
    drop = ScoreDrop.objects.get(measure="happiness", segment_kind="service", segment_value="desk")
    assert drop.week_start == WEEK and drop.delta <= -10 and drop.p_value < ALPHA
    assert drop.n == 70 and drop.baseline_n == 560
    assert drop.service == desk
    top = drop.drivers["factors"][0]
    assert top["factor"] == "no-callback"
    assert top["share_before"] == 0 and top["share_after"] > 50
    assert drop.drivers["tags"][0]["tag"] == "Queue"
    assert not ScoreDrop.objects.filter(segment_value="laptops").exists()
    # Re-running keeps one row per segment and the officer's status.
    drop.status = "investigating"
    drop.save()
    before = ScoreDrop.objects.count()
    detect_score_drops(berlin, now=now)
    assert ScoreDrop.objects.count() == before
    drop.refresh_from_db()
    assert drop.status == "investigating"


def test_pure_noise_over_52_weeks_raises_no_more_than_alpha_allows(berlin):
    services, personas = make_dimensions(berlin)
    generate(
        berlin,
        services,
        personas,
        n=12000,
        first=WEEK - datetime.timedelta(days=7 * 60),
        last=WEEK - datetime.timedelta(days=1),
        seed=11,
    )
    process_new(berlin)
    now = datetime.datetime.combine(WEEK, datetime.time(12), tzinfo=TZ)
    result = detect_score_drops(berlin, now=now, weeks=52)
    # The budget bounds the chance of any drop in a week at α = 0.8 %: 0.42 weeks of 52
    # expected. A week's false drops overlap (the organisation holds every segment), so
    # they are counted as weeks, as incidents are.
    assert ScoreDrop.objects.count() == result["drops"]
    weeks = set(ScoreDrop.objects.values_list("week_start", flat=True))
    assert len(weeks) <= 2
    assert result["incidents"] <= 3


def test_a_pure_mix_shift_is_reported_as_mix(berlin):
    desk = ServiceFactory(organisation=berlin, slug="desk")
    portal = {160: [10] * 144 + [7] * 16, 40: [10] * 36 + [7] * 4}  # happiness +90
    phone = {40: [10] * 12 + [3] * 20 + [8] * 8, 160: [10] * 48 + [3] * 80 + [8] * 32}  # −20
    rows = []
    for week in range(-8, 1):
        monday = WEEK + datetime.timedelta(days=7 * week)
        portal_n, phone_n = (40, 160) if week == 0 else (160, 40)
        for channel, scores in (("portal", portal[portal_n]), ("phone", phone[phone_n])):
            for i, score in enumerate(scores):
                rows.append(
                    response(
                        berlin,
                        desk,
                        monday + datetime.timedelta(days=i % 7),
                        score,
                        channel=channel,
                    )
                )
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))
    process_new(berlin)
    detect_week(berlin, WEEK)
    drop = ScoreDrop.objects.get(segment_kind="service", segment_value="desk")
    assert drop.value == pytest.approx(2.0) and drop.baseline_value == pytest.approx(68.0)
    split = drop.drivers["mix_rate"]
    assert split["child"] == "channel"
    assert split["dominant"] == "mix"
    assert split["mix"] == pytest.approx(-66.0)
    assert split["rate"] == pytest.approx(0.0, abs=1e-9)
    assert split["mix"] + split["rate"] == pytest.approx(drop.delta)
    assert not ScoreDrop.objects.filter(segment_kind="channel").exists()


def test_mix_and_rate_add_up_to_the_total_change():
    def stats(p, d, n):
        return Stats(n=n, promoters=p, detractors=d)

    before = {"a": stats(50, 10, 100), "b": stats(10, 20, 50), "c": stats(5, 5, 10)}
    after = {"a": stats(20, 20, 60), "b": stats(30, 40, 90), "d": stats(9, 0, 10)}
    split = mix_rate(before, after, "happiness")
    total0 = 100 * (65 - 35) / 160
    total1 = 100 * (59 - 60) / 160
    assert split["mix"] + split["rate"] == pytest.approx(total1 - total0)


def test_happiness_test_and_bh():
    this = Stats(n=100, promoters=40, detractors=40)
    base = Stats(n=400, promoters=260, detractors=60)
    h1, h0, p = happiness_test(this, base)
    assert (h1, h0) == (0.0, 50.0) and p < 1e-6
