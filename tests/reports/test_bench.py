from bench.report import measure_report_draft, seed_responses
from reports.models import MonthlyReport


def test_measure_report_draft_drafts_last_closed_month(org_a, time_machine_nov):
    seed_responses(org_a, 300, months=3)
    seconds = measure_report_draft(org_a, repeat=2)
    assert seconds > 0
    report = MonthlyReport.objects.get(organisation=org_a)
    assert str(report.month) == "2026-10-01"
    assert 0 < report.figures["headline"]["response_count"]["n"] < 300
