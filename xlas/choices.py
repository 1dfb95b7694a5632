from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", _("Rejected")


class IndicatorKind(models.TextChoices):
    SENTIMENT = "sentiment", _("Sentiment (survey responses)")
    OPERATIONAL = "operational", _("Operational metric")


class SentimentMeasure(models.TextChoices):
    HAPPINESS = "happiness", _("Happiness")
    AVG_SCORE = "avg_score", _("Average score")
    POSITIVE_SHARE = "positive_share", _("Share scoring 9–10 (%)")
    LOST_TIME_MEAN = "lost_time_mean", _("Mean lost time (min)")
    LOST_TIME_MEDIAN = "lost_time_median", _("Median lost time (min)")
    RESPONSE_COUNT = "response_count", _("Responses")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("Mean")
    P90 = "p90", _("90th percentile")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    SUM = "sum", _("Sum")
    LAST = "last", _("Last value")


class Period(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class EvaluationStatus(models.TextChoices):
    MET = "met", _("Met")
    AT_RISK = "at_risk", _("At risk")
    MISSED = "missed", _("Missed")
    INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class BreachStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    ACCEPTED = "accepted", _("Accepted")
    # The period was re-judged (a back-dated version) and the breach rule no longer holds.
    WITHDRAWN = "withdrawn", _("Withdrawn")


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
