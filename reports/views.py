"""Monthly report pages: archive, report, figures CSV, editing and the review workflow."""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xmo.access import org_object_or_404, org_required
from xmo.figures import csv_safe
from xmo.pagination import page_of
from xmo.periods import local_today
from xmo.roles import can

from . import services
from .choices import ReportStatus, status_word
from .drafting import SECTION_TITLES, last_closed_month, month_range, stored
from .forms import DraftMonthForm, QuotesForm, SectionForm
from .home import home_figures
from .markdown import render_markdown
from .models import MonthlyReport, ReportSection
from .report_charts import report_charts
from .selectors import (
    comparison_rows,
    figure_rows,
    headline_cards,
    localised,
    quotes_of,
    reports_for,
    section_hints,
)
from .themes import quote_candidates

PAGE_SIZE = 12
# On paper these sections (the ones with charts) start a new page; the others flow.
PAGE_START_KEYS = ("headline", "xlas", "themes")


def _readable_report(request, pk):
    """A report the member may read; drafts are a 404 for those who may not see them."""
    report = org_object_or_404(request, reports_for(request.membership), pk=pk)
    report.organisation = request.organisation
    return report


@org_required("view_published_reports")
def archive(request):
    reports = reports_for(request.membership)
    statuses = [s for s in request.GET.getlist("status") if s in ReportStatus.values]
    if statuses:
        reports = reports.filter(status__in=statuses)
    page = page_of(request, reports, PAGE_SIZE)
    context = {
        "page": page,
        "statuses": [ReportStatus(s).label for s in statuses],
        "statuses_text": _(" or ").join(status_word(s) for s in statuses),
        "extra_query": urlencode([("status", s) for s in statuses]),
        "rows": comparison_rows(page.object_list),
        "draft_form": (
            DraftMonthForm(initial={"month": f"{last_closed_month(request.organisation):%Y-%m}"})
            if can(request.membership, "edit_reports")
            else None
        ),
    }
    return render(request, "reports/archive.html", context)


@org_required("edit_reports")
@require_POST
def draft_month(request):
    form = DraftMonthForm(request.POST, today=local_today(request.organisation))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["month"]))
        return redirect("reports:archive")
    report, outcome = services.report_draft(
        actor=request.user, organisation=request.organisation, month=form.cleaned_data["month"]
    )
    if outcome == "published":
        messages.warning(
            request, _("%(report)s is published; it is not redrafted.") % {"report": report}
        )
        return redirect("reports:detail", pk=report.pk)
    text = (
        _("%(report)s drafted.")
        if outcome == "created"
        else _("%(report)s refreshed with new figures.")
    )
    messages.success(request, text % {"report": report})
    return redirect("reports:edit", pk=report.pk)


def _sections_for_display(report, *, only_visible=True):
    sections = list(report.sections.all())
    if only_visible:
        sections = [s for s in sections if s.is_visible]
    for s in sections:
        s.narrative_html = render_markdown(s.narrative)
    return sections


@org_required("view_published_reports")
def detail(request, pk):
    report = _readable_report(request, pk)
    figures = report.figures or {}
    context = {
        "report": report,
        "figures": localised(figures),
        "sections": _sections_for_display(report),
        "quotes": quotes_of(report),
        "charts": report_charts(figures),
        "cards": headline_cards(figures),
        "page_start_keys": PAGE_START_KEYS,
    }
    return render(request, "reports/report_detail.html", context)


@org_required("view_published_reports")
def figures_csv(request, pk):
    report = _readable_report(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="xmo-report-{request.organisation.slug}-{report.month:%Y-%m}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["section", "figure", "value"])
    for section, name, value in figure_rows(report):
        writer.writerow([section, csv_safe(name), "" if value is None else csv_safe(value)])
    return response


def _editable_report(request, pk):
    report = org_object_or_404(request, MonthlyReport, pk=pk)
    report.organisation = request.organisation
    if report.status == ReportStatus.PUBLISHED:
        return report, False
    return report, True


@org_required("edit_reports")
def edit(request, pk):
    report, editable = _editable_report(request, pk)
    if not editable:
        messages.info(request, _("This report is published and read-only."))
        return redirect("reports:detail", pk=report.pk)
    sections = list(report.sections.all())
    start, end = month_range(report.month)
    candidates = list(
        quote_candidates(request.organisation, start, end, chosen=report.quote_ids)[:200]
    )
    if request.method == "POST":
        forms_ = [SectionForm(request.POST, instance=s, prefix=f"s{s.pk}") for s in sections]
        quotes_form = QuotesForm(request.POST, candidates=candidates)
        if all(f.is_valid() for f in forms_) and quotes_form.is_valid():
            changed = 0
            try:
                with transaction.atomic():
                    for form, section in zip(forms_, sections, strict=True):
                        changed += services.report_section_update(
                            actor=request.user,
                            section=section,
                            narrative=form.cleaned_data["narrative"],
                            title=form.cleaned_data["title"]
                            or stored(SECTION_TITLES.get(section.key, "")),
                            is_visible=form.cleaned_data["is_visible"],
                        )
                    changed += services.report_quotes_set(
                        actor=request.user,
                        report=report,
                        quote_ids=[int(i) for i in quotes_form.cleaned_data["quotes"]],
                    )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("reports:edit", pk=report.pk)
            messages.success(request, _("Report saved.") if changed else _("Nothing changed."))
            return redirect("reports:edit", pk=report.pk)
        messages.error(request, _("Please correct the errors below."))
    else:
        forms_ = [SectionForm(instance=s, prefix=f"s{s.pk}") for s in sections]
        quotes_form = QuotesForm(
            initial={"quotes": [str(i) for i in report.quote_ids]}, candidates=candidates
        )
    hints = section_hints(report.figures or {})
    for section in sections:
        section.hint = hints.get(section.key, "")
    context = {
        "report": report,
        "section_forms": list(zip(sections, forms_, strict=True)),
        "quotes_form": quotes_form,
        "candidates": candidates,
        "chosen": {str(i) for i in (quotes_form["quotes"].value() or [])},
    }
    return render(request, "reports/report_edit.html", context)


@org_required("edit_reports")
@require_POST
def move_section(request, pk, section_pk):
    report, editable = _editable_report(request, pk)
    if not editable:
        raise Http404(_("The report is published."))
    section = _section_of(report, section_pk)
    try:
        services.report_section_move(
            actor=request.user, section=section, direction=request.POST.get("direction", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{_edit_url(report)}#section-{section.key}")


def _section_of(report, section_pk):
    try:
        return report.sections.get(pk=section_pk)
    except ReportSection.DoesNotExist as exc:
        raise Http404(_("No such section.")) from exc


def _edit_url(report):
    return reverse("reports:edit", args=[report.pk])


@org_required("edit_reports")
@require_POST
def redraft(request, pk):
    report, editable = _editable_report(request, pk)
    if not editable:
        messages.warning(request, _("A published report is never redrafted."))
        return redirect("reports:detail", pk=report.pk)
    services.report_draft(actor=request.user, organisation=request.organisation, month=report.month)
    messages.success(request, _("Figures refreshed; your narratives, order and quotes are kept."))
    return redirect("reports:edit", pk=report.pk)


@org_required("edit_reports")
@require_POST
def change_status(request, pk):
    report = org_object_or_404(request, MonthlyReport, pk=pk)
    action = request.POST.get("action", "")
    if action == "publish" and not can(request.membership, "publish_reports"):
        raise PermissionDenied(_("Your role may not publish reports."))
    try:
        report = services.report_transition(actor=request.user, report=report, action=action)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:edit", pk=report.pk)
    if report.status == ReportStatus.PUBLISHED:
        if getattr(report, "notified", True):
            messages.success(request, _("Published. The leaders are notified and e-mailed a link."))
        else:
            messages.warning(
                request,
                _("Published, but the leaders could not be notified. Publish again to retry."),
            )
        return redirect("reports:detail", pk=report.pk)
    messages.success(
        request,
        _("The report is now %(status)s.") % {"status": status_word(report.status)},
    )
    return redirect("reports:edit", pk=report.pk)


@org_required()
def home(request):
    """The person's landing page: a section for each thing their role comes to do."""
    return render(request, "reports/home.html", {"sections": home_figures(request.membership)})
