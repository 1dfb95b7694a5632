from rest_framework import serializers

from reports.models import MonthlyReport, ReportSection


class ReportSectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportSection
        fields = ["key", "title", "order", "narrative"]


class MonthlyReportSerializer(serializers.ModelSerializer):
    sections = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "month",
            "status",
            "title",
            "figures",
            "sections",
            "published_at",
            "updated_at",
        ]

    def get_sections(self, obj) -> ReportSectionSerializer(many=True):
        return ReportSectionSerializer(obj.visible_sections, many=True).data
