from django.db import models


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
    REJECTED = "rejected", "Rejected"


class IndicatorKind(models.TextChoices):
    SENTIMENT = "sentiment", "Sentiment (survey responses)"
    OPERATIONAL = "operational", "Operational metric"


class SentimentMeasure(models.TextChoices):
    HAPPINESS = "happiness", "Happiness"
    AVG_SCORE = "avg_score", "Average score"
    POSITIVE_SHARE = "positive_share", "Share scoring 9–10 (%)"
    LOST_TIME_MEAN = "lost_time_mean", "Mean lost time (min)"
    LOST_TIME_MEDIAN = "lost_time_median", "Median lost time (min)"
    RESPONSE_COUNT = "response_count", "Responses"


class Aggregation(models.TextChoices):
    MEAN = "mean", "Mean"
    P90 = "p90", "90th percentile"
    MIN = "min", "Minimum"
    MAX = "max", "Maximum"
    SUM = "sum", "Sum"
    LAST = "last", "Last value"


class Period(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class EvaluationStatus(models.TextChoices):
    MET = "met", "Met"
    AT_RISK = "at_risk", "At risk"
    MISSED = "missed", "Missed"
    INSUFFICIENT_DATA = "insufficient_data", "Insufficient data"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    RESOLVED = "resolved", "Resolved"
    ACCEPTED = "accepted", "Accepted"
    # The period was re-judged (a back-dated version) and the breach rule no longer holds.
    WITHDRAWN = "withdrawn", "Withdrawn"


def period_adverb(period: str) -> str:
    """'weekly', 'monthly' or 'quarterly' in the active language, for running text."""
    from django.utils.translation import gettext

    return {
        Period.WEEK: gettext("weekly"),
        Period.MONTH: gettext("monthly"),
        Period.QUARTER: gettext("quarterly"),
    }.get(period, period)


def period_of(period: str, start, *, capital: bool = False) -> str:
    """'month of 1 Nov 2026' (or 'Month of …') in the active language and date format."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    day = date_format(start, "j M Y")
    if capital:
        texts = {
            Period.WEEK: gettext("Week of %(date)s"),
            Period.MONTH: gettext("Month of %(date)s"),
            Period.QUARTER: gettext("Quarter of %(date)s"),
        }
    else:
        texts = {
            Period.WEEK: gettext("week of %(date)s"),
            Period.MONTH: gettext("month of %(date)s"),
            Period.QUARTER: gettext("quarter of %(date)s"),
        }
    return texts.get(period, "%(date)s") % {"date": day}
