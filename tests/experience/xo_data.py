"""Generated weeks of X and O data for one service, rolled up.

experience="follow": happiness (and lost time) follow the weekly level of the metric
"resolution-time" plus noise; "queue-length" is pure noise. "scatter": experience scatters
round a level and every metric is noise; "wander": experience is a random walk (the naive
forecast "same as last week" is the best there is) and every metric is noise.
"""

import datetime
import random
from zoneinfo import ZoneInfo

from experience.models import MetricSample, SurveyResponse
from experience.rollups import process_new
from tests.factories import (
    OperationalMetricFactory,
    ServiceFactory,
    enqueue_responses,
    enqueue_samples,
)

TODAY = datetime.date(2026, 6, 17)  # a Wednesday: the open week started on Monday 15 June
OPEN_WEEK = datetime.date(2026, 6, 15)


def score_for(rng: random.Random, happiness: float) -> int:
    """A 0–10 score drawn so that a large sample has about this happiness."""
    h = max(-0.9, min(0.95, happiness / 100))
    passive = 0.15
    promoters = max(0.0, (1 - passive + h) / 2)
    u = rng.random()
    if u < promoters:
        return rng.choice((9, 10))
    if u < promoters + passive:
        return rng.choice((7, 8))
    return rng.choice((0, 3, 5, 6))


def make_weeks(
    org,
    *,
    weeks: int = 60,
    experience: str = "follow",
    seed: int = 1,
    per_week: int = 60,
    slug: str = "desk",
    metrics: bool = True,
    open_week_days: int = 2,
    open_level: float | None = None,
):
    """`weeks` closed weeks before OPEN_WEEK, and `open_week_days` days of the open week."""
    rng = random.Random(seed)
    tz = ZoneInfo(org.time_zone)
    service = ServiceFactory(organisation=org, slug=slug, name=slug.title())
    resolution = OperationalMetricFactory(
        organisation=org, slug="resolution-time", name="Resolution time", unit="hours"
    )
    queue = OperationalMetricFactory(
        organisation=org, slug="queue-length", name="Queue length", unit="tickets"
    )
    responses, samples = [], []
    level, walk = 8.0, 20.0
    first = OPEN_WEEK - datetime.timedelta(weeks=weeks)
    for k in range(weeks + 1):
        week = first + datetime.timedelta(weeks=k)
        level = max(1.0, level + rng.gauss(0, 1.5) + 0.3 * (8.0 - level))
        if k == weeks and open_level is not None:
            level = open_level  # the open week's operations, chosen by the test
        if experience == "follow":
            happiness = 95 - 8 * level + rng.gauss(0, 3)
            lost = 20 + 6 * level
        elif experience == "wander":
            walk += rng.gauss(0, 25)
            walk = -120 - walk if walk < -60 else (160 - walk if walk > 80 else walk)
            happiness, lost = walk, 60.0
        else:
            happiness = 40 + rng.gauss(0, 15)
            lost = 60 + rng.gauss(0, 10)
        days = open_week_days if k == weeks else 7
        for d in range(days):
            day = week + datetime.timedelta(days=d)
            moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=tz)
            if metrics:
                samples.append((resolution, level * rng.lognormvariate(0, 0.1), moment))
                samples.append((queue, rng.uniform(10, 30), moment))
            if k == weeks:
                continue  # the open week has operational data, no surveys yet
            for i in range(per_week // 7 + (1 if d < per_week % 7 else 0)):
                responses.append(
                    SurveyResponse(
                        organisation=org,
                        external_id=f"{slug}-{seed}-{k}-{d}-{i}",
                        service=service,
                        score=score_for(rng, happiness),
                        lost_time_minutes=max(0, int(rng.gauss(lost, lost * 0.3))),
                        submitted_at=(moment + datetime.timedelta(minutes=i)).astimezone(
                            datetime.UTC
                        ),
                    )
                )
    enqueue_responses(SurveyResponse.objects.bulk_create(responses, batch_size=2000))
    enqueue_samples(
        MetricSample.objects.bulk_create(
            [
                MetricSample(
                    organisation=org,
                    metric=metric,
                    service=service,
                    value=round(value, 3),
                    measured_at=moment.astimezone(datetime.UTC),
                )
                for metric, value, moment in samples
            ],
            batch_size=2000,
        )
    )
    process_new(org)
    return service
