"""Experience data, one module per part: `catalogue` (services, personas, metrics), `data`
(survey responses (X), metric samples (O) and their queue rows), `drops` (score drops,
incidents, data quality alerts), `rollups` (the aggregates) and `forecasts`. Every model is
importable from `experience.models`."""

from .catalogue import OperationalMetric, Persona, Service
from .data import (
    MetricSample,
    PendingResponse,
    PendingSample,
    ResponseKey,
    RetiredResponses,
    SurveyResponse,
)
from .drops import DataQualityAlert, Incident, ScoreDrop
from .forecasts import ExperienceModel
from .rollups import (
    ROLLUP_KEY,
    FactorRollup,
    MetricRollup,
    ResponseRollup,
    RollupGrain,
    RollupKey,
    RollupSpan,
)

__all__ = [
    "ROLLUP_KEY",
    "DataQualityAlert",
    "ExperienceModel",
    "FactorRollup",
    "Incident",
    "MetricRollup",
    "MetricSample",
    "OperationalMetric",
    "PendingResponse",
    "ResponseKey",
    "RetiredResponses",
    "PendingSample",
    "Persona",
    "ResponseRollup",
    "RollupGrain",
    "RollupKey",
    "RollupSpan",
    "ScoreDrop",
    "Service",
    "SurveyResponse",
]

# The disruption register lives in its own package; imported so the app registers it.
from ..disruptions.models import Disruption  # noqa: E402

__all__ += ["Disruption"]
