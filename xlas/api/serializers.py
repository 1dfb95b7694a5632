from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xlas.models import XLA, Breach, Evaluation, Indicator, XLAVersion


class IndicatorSerializer(serializers.ModelSerializer):
    metric = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Indicator
        fields = [
            "key",
            "name",
            "kind",
            "measure",
            "metric",
            "aggregation",
            "direction",
            "target",
            "warning",
            "weight",
            "period",
            "min_sample",
            "consecutive_misses",
        ]


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = XLAVersion
        fields = ["number", "status", "effective_from", "effective_to", "review_due", "rationale"]


class VersionWithIndicatorsSerializer(VersionSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "indicators"]


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = [
            "indicator_key",
            "period",
            "period_start",
            "period_end",
            "is_closed",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "projected_value",
            "status",
            "computed_at",
        ]


class ScoreSerializer(serializers.Serializer):
    """An XLA's score and status for one month (xlas.scores)."""

    period = serializers.CharField()
    period_start = serializers.DateField()
    score = serializers.FloatField(allow_null=True, help_text=_("0–100; null: insufficient data."))
    status = serializers.CharField(help_text=_("The worst indicator status."))
    is_closed = serializers.BooleanField()


class XLASerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    personas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    active_version = serializers.SerializerMethodField()
    latest_score = serializers.SerializerMethodField()

    class Meta:
        model = XLA
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "services",
            "personas",
            "active_version",
            "latest_score",
        ]

    def get_latest_score(self, obj) -> ScoreSerializer(allow_null=True):
        """The score and status of the last closed month."""
        figure = self.context.get("latest_scores", {}).get(obj.pk)
        return ScoreSerializer(figure.as_dict()).data if figure else None

    def _active(self, obj):
        versions = getattr(obj, "active_versions", None)
        return versions[0] if versions else None

    def get_active_version(self, obj) -> VersionSerializer(allow_null=True):
        version = self._active(obj)
        return VersionSerializer(version).data if version else None


class XLADetailSerializer(XLASerializer):
    active_version = serializers.SerializerMethodField()
    latest_evaluations = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta(XLASerializer.Meta):
        fields = [*XLASerializer.Meta.fields, "latest_evaluations", "scores"]

    def get_scores(self, obj) -> ScoreSerializer(many=True):
        """Score and status per recent month, newest first (the open month included)."""
        figures = self.context.get("scores", [])
        return ScoreSerializer([f.as_dict() for f in figures], many=True).data

    def get_active_version(self, obj) -> VersionWithIndicatorsSerializer(allow_null=True):
        version = self._active(obj)
        return VersionWithIndicatorsSerializer(version).data if version else None

    def get_latest_evaluations(self, obj) -> EvaluationSerializer(many=True):
        return EvaluationSerializer(self.context.get("latest_evaluations", []), many=True).data


class BreachSerializer(serializers.ModelSerializer):
    xla_name = serializers.CharField(source="xla.name", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Breach
        fields = [
            "id",
            "xla",
            "xla_name",
            "indicator_key",
            "indicator_name",
            "period",
            "period_start",
            "value",
            "target",
            "severity",
            "status",
            "escalation_level",
            "assignee",
            "acknowledged_at",
            "escalated_at",
            "root_cause",
            "resolved_at",
            "created_at",
        ]
