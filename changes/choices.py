from django.db import models


class ExpectedEffect(models.TextChoices):
    IMPROVE = "improve", "Improve"
    NEUTRAL = "neutral", "Neutral"
    WORSEN = "worsen", "Worsen"


class Verdict(models.TextChoices):
    PENDING = "pending", "Waiting for the after window"
    IMPROVED = "improved", "Improved"
    NO_CHANGE = "no_change", "No change"
    WORSENED = "worsened", "Worsened"
    INSUFFICIENT_DATA = "insufficient_data", "Insufficient data"


# What each expectation predicts, to compare with the measured verdict.
EXPECTED_VERDICT = {
    ExpectedEffect.IMPROVE: Verdict.IMPROVED,
    ExpectedEffect.NEUTRAL: Verdict.NO_CHANGE,
    ExpectedEffect.WORSEN: Verdict.WORSENED,
}
