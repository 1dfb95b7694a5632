from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpectedEffect(models.TextChoices):
    IMPROVE = "improve", _("Improve")
    NEUTRAL = "neutral", _("Neutral")
    WORSEN = "worsen", _("Worsen")


class Verdict(models.TextChoices):
    PENDING = "pending", _("Waiting for the after window")
    IMPROVED = "improved", _("Improved")
    NO_CHANGE = "no_change", _("No change")
    WORSENED = "worsened", _("Worsened")
    INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")


# What each expectation predicts, to compare with the measured verdict.
EXPECTED_VERDICT = {
    ExpectedEffect.IMPROVE: Verdict.IMPROVED,
    ExpectedEffect.NEUTRAL: Verdict.NO_CHANGE,
    ExpectedEffect.WORSEN: Verdict.WORSENED,
}
