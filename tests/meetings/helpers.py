import datetime
from zoneinfo import ZoneInfo

from experience.rollups import process_new
from tests.factories import SurveyResponseFactory

LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour=12):
    """An aware instant, local to London."""
    return datetime.datetime(year, month, day, hour, tzinfo=LONDON)


def responses(org, service, when, scores, **fields):
    created = [
        SurveyResponseFactory(
            organisation=org, service=service, submitted_at=when, score=s, **fields
        )
        for s in scores
    ]
    process_new(org)  # figures come from rollups, as after the rollups job in production
    return created
