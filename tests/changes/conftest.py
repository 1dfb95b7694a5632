import datetime
import random
from zoneinfo import ZoneInfo

import pytest

from experience.models import SurveyResponse
from experience.rollups import process_new
from tests.factories import ServiceFactory, enqueue_responses

# A Wednesday; with two-week windows the verdict is due on 22 Oct 2026.
IMPLEMENTED = datetime.datetime(2026, 10, 7, 10, 0, tzinfo=datetime.UTC)
DAY = IMPLEMENTED.date()


def generate(
    org,
    service,
    *,
    first,
    days,
    per_day,
    promoters,
    detractors,
    seed,
    prefix="",
    lost=(10, 20, 30, 40),
    persona=None,
):
    """`per_day` responses a day for `days` days from `first`, with the given shares of 9–10
    and 0–6 scores; lost time the same for every group (10–40 min)."""
    rng = random.Random(seed)
    tz = ZoneInfo(org.time_zone)
    rows = []
    for d in range(days):
        day = first + datetime.timedelta(days=d)
        for i in range(per_day):
            u = rng.random()
            score = 10 if u < promoters else (3 if u < promoters + detractors else 8)
            moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=tz)
            rows.append(
                SurveyResponse(
                    organisation=org,
                    external_id=f"{prefix}{service.slug}-{seed}-{day}-{i}",
                    service=service,
                    score=score,
                    lost_time_minutes=rng.choice(lost),
                    persona=persona,
                    submitted_at=(moment + datetime.timedelta(minutes=i)).astimezone(datetime.UTC),
                )
            )
    enqueue_responses(SurveyResponse.objects.bulk_create(rows, batch_size=2000))


@pytest.fixture
def estate(org_a):
    """A treated service and two untouched ones, each with steady experience."""
    org_a.time_zone = "UTC"
    org_a.save()
    return {
        slug: ServiceFactory(organisation=org_a, slug=slug, name=slug.title())
        for slug in ("portal", "laptops", "collab")
    }


def fill(org, estate, *, treated_after=(0.45, 0.25), per_day_treated=25, seed=1):
    """Two weeks before and after DAY; the comparison services keep the same shares."""
    before_first = DAY - datetime.timedelta(days=14)
    after_first = DAY + datetime.timedelta(days=1)
    for n, (slug, service) in enumerate(estate.items()):
        treated = slug == "portal"
        per_day = per_day_treated if treated else 25
        generate(
            org,
            service,
            first=before_first,
            days=14,
            per_day=per_day,
            promoters=0.45,
            detractors=0.25,
            seed=seed * 10 + n,
            prefix="b-",
        )
        shares = treated_after if treated else (0.45, 0.25)
        generate(
            org,
            service,
            first=after_first,
            days=14,
            per_day=per_day,
            promoters=shares[0],
            detractors=shares[1],
            seed=seed * 10 + n,
            prefix="a-",
        )
    process_new(org)
