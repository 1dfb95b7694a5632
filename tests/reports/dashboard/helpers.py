"""Realistic survey responses for dashboard tests, written with bulk_create."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from experience.choices import Channel, Touchpoint
from experience.models import SurveyResponse
from experience.rollups import process_new
from tests.factories import enqueue_responses

LOCATIONS = ["London", "Leeds", "Glasgow", "Remote"]
GROUPS = ["Desk L1", "Desk L2", "Field", "Apps"]
FACTORS = ["Speed", "Knowledge", "Communication", "Had to repeat myself", "Friendliness"]
COMMENTS = [
    "Quick and friendly, thanks.",
    "Took three calls before anyone understood the problem.",
    "Laptop still crashes every morning.",
    "Great help from the chat agent.",
]


def seed_responses(
    org,
    services,
    *,
    count: int,
    personas=(),
    months: int = 13,
    now: datetime.datetime | None = None,
    seed: int = 7,
    prefix: str = "r",
    batch_size: int = 5000,
    process: bool = True,
) -> None:
    """`count` responses spread over the last `months` months (one bad service × phone cell).

    With `process` the rollup job's processing runs afterwards (as the 60-second job would),
    which also bumps the organisation's data version.
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    span = datetime.timedelta(days=30.4 * months)
    channels = Channel.values
    touchpoints = Touchpoint.values
    rows = []
    for i in range(count):
        service = services[i % len(services)]
        channel = channels[rng.randrange(len(channels))]
        bad = service is services[0] and channel == "phone"
        score = rng.choice([0, 2, 4, 5, 6, 7]) if bad else rng.choice([5, 7, 8, 9, 9, 10, 10, 10])
        rows.append(
            SurveyResponse(
                organisation=org,
                external_id=f"{prefix}-{i}",
                service=service,
                persona=personas[i % len(personas)] if personas else None,
                score=score,
                lost_time_minutes=rng.choice([None, 0, 10, 30, 60, 240]) if i % 3 else None,
                factors=rng.sample(FACTORS, rng.randrange(0, 3)),
                comment=COMMENTS[i % len(COMMENTS)] if i % 5 == 0 else "",
                touchpoint=touchpoints[i % len(touchpoints)],
                channel=channel,
                location=LOCATIONS[i % len(LOCATIONS)],
                assignment_group=GROUPS[(i // 3) % len(GROUPS)],
                submitted_at=now - span * rng.random(),
            )
        )
        if len(rows) >= batch_size:
            enqueue_responses(SurveyResponse.objects.bulk_create(rows))
            rows = []
    if rows:
        enqueue_responses(SurveyResponse.objects.bulk_create(rows))
    if process:
        process_new(org)
