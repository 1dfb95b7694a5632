import re

from django.contrib.auth import get_user_model
from rest_framework import serializers

from experience.models import OperationalMetric, Persona, ScoreDrop, Service

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class OrganisationSlugMixin:
    """Slugs are unique per organisation; the view passes it in the serializer context."""

    def validate_slug(self, value):
        if not SLUG_RE.match(value):
            raise serializers.ValidationError("Use lowercase letters, digits and hyphens.")
        model = self.Meta.model
        taken = model.objects.filter(organisation=self.context["organisation"], slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("This slug is already used in the organisation.")
        return value


class ServiceSerializer(OrganisationSlugMixin, serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.none(),
        allow_null=True,
        required=False,
        help_text="Username of a member of the organisation.",
    )

    class Meta:
        model = Service
        fields = ["id", "slug", "name", "description", "it_area", "owner", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = self.context.get("organisation")
        if organisation is not None:
            self.fields["owner"].queryset = get_user_model().objects.filter(
                memberships__organisation=organisation
            )


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
            "drivers",
            "status",
            "created_at",
        ]


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
        help_text="The range cuts this period short: only the days inside it are counted."
    )


class TrendSerializer(serializers.Serializer):
    measure = serializers.CharField()
    period = serializers.CharField()
    results = TrendPointSerializer(many=True)
