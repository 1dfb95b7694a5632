from rest_framework import serializers

from experience.models import SurveyResponse


class FeedbackSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    persona = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "external_id",
            "score",
            "service",
            "touchpoint",
            "channel",
            "persona",
            "comment",
            "factors",
            "tags",
            "triage_status",
            "highlighted",
            "submitted_at",
        ]

    def get_tags(self, obj) -> list[str]:
        return sorted(link.tag.slug for link in obj.tag_links.all())
