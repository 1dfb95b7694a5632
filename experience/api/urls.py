from django.urls import path
from rest_framework.routers import SimpleRouter

from . import disruptions, views

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="api-service")
router.register("personas", views.PersonaViewSet, basename="api-persona")
router.register("metrics", views.MetricViewSet, basename="api-metric")
router.register("score-drops", views.ScoreDropViewSet, basename="api-score-drop")
router.register("incidents", views.IncidentViewSet, basename="api-incident")
router.register("disruptions", disruptions.DisruptionViewSet, basename="api-disruption")

urlpatterns = [
    path(
        "survey-responses/",
        views.SurveyResponseIngestView.as_view(),
        name="api-survey-responses",
    ),
    path("metric-samples/", views.MetricSampleIngestView.as_view(), name="api-metric-samples"),
    path("trends/", views.TrendView.as_view(), name="api-trends"),
    path(
        "services/<slug:slug>/experience-drivers/",
        views.ExperienceDriversView.as_view(),
        name="api-service-experience-drivers",
    ),
    path("predictions/", views.PredictionView.as_view(), name="api-predictions"),
    *router.urls,
]
