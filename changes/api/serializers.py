"""Serializers of `/api/v1/changes/`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from experience.models import Persona, Service

from ..choices import ExpectedEffect, Verdict
from ..models import Change


class ChangeDisruptionSerializer(serializers.Serializer):
    """The planned disruption declared with a change; its services are the change's."""

    title = serializers.CharField(max_length=200, required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    mitigation = serializers.CharField(help_text=_("How the disruption will be eased."))
    expected_happiness_effect = serializers.FloatField(required=False, allow_null=True)
    expected_lost_time_effect = serializers.FloatField(required=False, allow_null=True)
    expected_effect_notes = serializers.CharField(required=False, allow_blank=True)
    personas = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Persona.objects.none()
    )
    approved_by = serializers.SlugRelatedField(
        slug_field="username",
        required=False,
        allow_null=True,
        queryset=get_user_model().objects.none(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        org = self.context.get("organisation")
        if org is not None:
            self.fields["personas"].child_relation.queryset = Persona.objects.filter(
                organisation=org
            )
            self.fields["approved_by"].queryset = get_user_model().objects.filter(
                memberships__organisation=org
            )

    def validate(self, attrs):
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": _("Must be after starts_at.")})
        return attrs


class MeasureEffectSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text=_("happiness or lost_time_mean."))
    result = serializers.CharField()
    unit = serializers.CharField()
    effect = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    treated_before = serializers.FloatField(allow_null=True)
    treated_after = serializers.FloatField(allow_null=True)
    control_before = serializers.FloatField(allow_null=True)
    control_after = serializers.FloatField(allow_null=True)
    n = serializers.DictField(child=serializers.IntegerField())
    reason = serializers.CharField(allow_blank=True)


class VerdictSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=Verdict.choices, source="verdict")
    measure = serializers.CharField(source="verdict_measure", allow_blank=True)
    effect = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    judged_at = serializers.DateTimeField(allow_null=True)
    windows = serializers.SerializerMethodField()
    comparison_services = serializers.SerializerMethodField()
    measures = serializers.SerializerMethodField()

    def get_windows(self, change) -> dict[str, str]:
        return change.details.get("windows", {})

    def get_comparison_services(self, change) -> list[str]:
        return change.details.get("comparison", [])

    @extend_schema_field(MeasureEffectSerializer(many=True))
    def get_measures(self, change):
        return MeasureEffectSerializer(change.details.get("measures", []), many=True).data


class ChangeSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        queryset=Service.objects.none(),
        help_text=_("Slugs of the changed services (at least one)."),
    )
    expected_effect = serializers.ChoiceField(choices=ExpectedEffect.choices)
    disruption = ChangeDisruptionSerializer(
        required=False, write_only=True, help_text=_("Optional planned disruption window.")
    )
    disruption_id = serializers.IntegerField(read_only=True, allow_null=True)
    verdict = VerdictSerializer(source="*", read_only=True)

    class Meta:
        model = Change
        fields = [
            "id",
            "external_id",
            "title",
            "source",
            "services",
            "implemented_at",
            "expected_effect",
            "window_weeks",
            "disruption",
            "disruption_id",
            "verdict",
            "created_at",
        ]
        read_only_fields = ["source", "created_at"]
        # Idempotency is by external_id: a repeat is answered, not refused.
        validators = []
        extra_kwargs = {"external_id": {"validators": []}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        org = self.context.get("organisation")
        if org is not None:
            self.fields["services"].child_relation.queryset = Service.objects.filter(
                organisation=org
            )

    def validate_services(self, value):
        if not value:
            raise serializers.ValidationError(_("Name at least one changed service."))
        return value

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {n for n, f in self.fields.items() if not f.read_only})
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)
