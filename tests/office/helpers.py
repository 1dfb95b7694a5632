import datetime
from zoneinfo import ZoneInfo

from experience.rollups import process_new
from tests.factories import SurveyResponseFactory

LONDON = ZoneInfo("Europe/London")
TODAY = datetime.date(2026, 11, 18)  # a Wednesday
NOW = datetime.datetime(2026, 11, 18, 12, tzinfo=LONDON)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def responses(org, service, day, scores):
    for score in scores:
        SurveyResponseFactory(organisation=org, service=service, submitted_at=at(day), score=score)
    process_new(org)
