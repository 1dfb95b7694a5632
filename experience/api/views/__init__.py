"""Experience API: the push endpoints (`push`), the catalogue (`catalogue`), and score drops,
incidents, trends, drivers and predictions (`reads`)."""

from .catalogue import MetricViewSet, PersonaViewSet, ServiceViewSet
from .push import MetricSampleIngestView, SurveyResponseIngestView
from .reads import (
    ExperienceDriversView,
    IncidentViewSet,
    PredictionView,
    ScoreDropViewSet,
    TrendView,
)

__all__ = [
    "ExperienceDriversView",
    "IncidentViewSet",
    "MetricSampleIngestView",
    "MetricViewSet",
    "PersonaViewSet",
    "PredictionView",
    "ScoreDropViewSet",
    "ServiceViewSet",
    "SurveyResponseIngestView",
    "TrendView",
]
