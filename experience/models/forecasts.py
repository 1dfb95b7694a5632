"""Fitted forecasts per service (experience.predictions)."""

from django.db import models

from xmo.models import Organisation

from .catalogue import Service


class ExperienceModel(models.Model):
    """The fitted forecast of one service's weekly happiness or mean lost time.

    Written by the weekly job `fit_experience_models` (experience/predictions.py); the
    predictions are computed from it when read, with the open week's samples so far.
    """

    class Kind(models.TextChoices):
        RIDGE = "ridge", "Ridge regression"
        NAIVE = "naive", "Same as last week"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="experience_models")
    measure = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    features = models.JSONField(default=list, help_text="Inputs, in coefficient order.")
    coefficients = models.JSONField(
        default=dict, help_text="Standardisation, intercept, betas and λ (ridge only)."
    )
    fitted_weeks = models.PositiveIntegerField(default=0)
    first_week = models.DateField(null=True)
    last_week = models.DateField(null=True)
    backtest_weeks = models.PositiveIntegerField(default=0)
    backtest_mae = models.FloatField(null=True, help_text="Walk-forward MAE of the model.")
    naive_mae = models.FloatField(null=True, help_text="Same weeks, forecast = last week.")
    residual_sd = models.FloatField(null=True, help_text="RMSE of the served forecast.")
    fitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "service", "measure"], name="experience_model_once"
            )
        ]

    def __str__(self):
        return f"{self.service_id} {self.measure}: {self.kind}"
