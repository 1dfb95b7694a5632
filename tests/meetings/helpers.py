import datetime
from zoneinfo import ZoneInfo

from tests.factories import SurveyResponseFactory

LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour=12):
    """An aware instant, local to London."""
    return datetime.datetime(year, month, day, hour, tzinfo=LONDON)


def responses(org, service, when, scores, **fields):
    return [
        SurveyResponseFactory(
            organisation=org, service=service, submitted_at=when, score=s, **fields
        )
        for s in scores
    ]
