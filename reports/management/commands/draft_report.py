"""Draft (or refresh) one organisation's monthly report: `draft_report ORG YYYY-MM`."""

from django.core.management.base import BaseCommand, CommandError

from reports.drafting import draft_report
from reports.forms import parse_month
from xmo.models import Organisation


class Command(BaseCommand):
    help = "Draft one month's experience report (a published report is left untouched)."

    def add_arguments(self, parser):
        parser.add_argument("org", help="Organisation slug")
        parser.add_argument("month", help="Month as YYYY-MM")

    def handle(self, *args, org, month, **options):
        try:
            organisation = Organisation.objects.get(slug=org)
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"No organisation with slug {org!r}.") from exc
        try:
            first_day = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report, outcome = draft_report(organisation, first_day)
        self.stdout.write(f"{report} ({organisation.slug}): {outcome} · /reports/{report.pk}/")
