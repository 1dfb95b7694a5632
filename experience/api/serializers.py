import re

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from experience.models import Incident, OperationalMetric, Persona, ScoreDrop, Service
from xmo.selectors import organisation_members

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class OrganisationSlugMixin:
    """Slugs are unique per organisation; the view passes it in the serializer context."""

    def validate_slug(self, value):
        if not SLUG_RE.match(value):
            raise serializers.ValidationError(_("Use lowercase letters, digits and hyphens."))
        model = self.Meta.model
        taken = model.objects.filter(organisation=self.context["organisation"], slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("This slug is already used in the organisation."))
        return value


class ServiceSerializer(OrganisationSlugMixin, serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.none(),
        allow_null=True,
        required=False,
        help_text=_("Username of a member of the organisation."),
    )

    class Meta:
        model = Service
        fields = ["id", "slug", "name", "description", "it_area", "owner", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = self.context.get("organisation")
        if organisation is not None:
            self.fields["owner"].queryset = organisation_members(organisation)


class PersonaSerializer(OrganisationSlugMixin, serializers.ModelSerializer):
    class Meta:
        model = Persona
        fields = ["id", "slug", "name", "description", "is_active"]


class MetricSerializer(OrganisationSlugMixin, serializers.ModelSerializer):
    class Meta:
        model = OperationalMetric
        fields = ["id", "slug", "name", "unit", "direction", "description", "is_active"]


class ScoreDropSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = ScoreDrop
        fields = [
            "id",
            "week_start",
            "measure",
            "segment_kind",
            "segment_value",
            "segment_label",
            "service",
            "value",
            "baseline_value",
            "delta",
            "n",
            "baseline_n",
            "p_value",
            "window_weeks",
            "drivers",
            "status",
            "created_at",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    headline = serializers.SerializerMethodField()
    drops = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "week_start",
            "measure",
            "headline",
            "change",
            "explained_share",
            "drops",
            "segments",
            "status",
            "created_at",
        ]

    def get_headline(self, obj) -> dict:
        return {"kind": obj.headline_kind, "value": obj.headline_value, "name": obj.headline_label}

    def get_drops(self, obj) -> list[int]:
        return sorted(d.pk for d in obj.drops.all())

    def get_segments(self, obj) -> list[dict]:
        """Every member drop with the share of the change it explains, largest first."""
        rows = [
            {
                "drop": d.pk,
                "kind": d.segment_kind,
                "value": d.segment_value,
                "name": d.segment_label or d.segment_value,
                "change": d.delta,
                "explained_share": d.explained_share,
            }
            for d in obj.drops.all()
        ]
        return sorted(rows, key=lambda r: (-(r["explained_share"] or 0), r["drop"]))


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()


class TrendPointSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    partial = serializers.BooleanField(
        help_text=_("The range cuts this period short: only the days inside it are counted.")
    )


class TrendSerializer(serializers.Serializer):
    measure = serializers.CharField()
    period = serializers.CharField()
    results = TrendPointSerializer(many=True)


class CorrelationSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=["happiness", "lost_time_mean"])
    lag = serializers.IntegerField(help_text=_("Weeks the metric leads the experience (0–2)."))
    rho = serializers.FloatField(allow_null=True, help_text=_("Spearman's rank correlation."))
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    n_weeks = serializers.IntegerField()
    moves_with_experience = serializers.BooleanField(
        allow_null=True,
        # xgettext:no-python-format
        help_text=_("The 95 % interval excludes 0; null with too few weeks."),
    )


class DriverMetricSerializer(serializers.Serializer):
    metric = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    aggregation = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))
    correlations = CorrelationSerializer(many=True)
    moves_with = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()


class ExperienceDriversSerializer(serializers.Serializer):
    service = serializers.CharField()
    weeks = serializers.ListField(child=serializers.DateField())
    experience = serializers.DictField(child=TrendPointSerializer(many=True))
    metrics = DriverMetricSerializer(many=True)


class PredictionModelSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["ridge", "naive"])
    features = serializers.ListField(child=serializers.CharField())
    fitted_weeks = serializers.IntegerField()


class PredictionPointSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    predicted = serializers.FloatField()
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    model = PredictionModelSerializer()


class BacktestSerializer(serializers.Serializer):
    weeks = serializers.IntegerField()
    model_mae = serializers.FloatField(allow_null=True)
    naive_mae = serializers.FloatField(allow_null=True)
    model_beats_naive = serializers.BooleanField()
    served = serializers.ChoiceField(choices=["ridge", "naive"])
    note = serializers.CharField()


class PredictionSerializer(serializers.Serializer):
    service = serializers.CharField()
    measure = serializers.CharField()
    results = PredictionPointSerializer(many=True)
    backtest = BacktestSerializer(allow_null=True)
    fitted_at = serializers.DateTimeField(allow_null=True)
