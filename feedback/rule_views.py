"""Tag rule pages: the list (with each rule's accepted/declined record), edit, preview."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xmo.access import org_object_or_404, org_required

from . import selectors, services
from .forms import TagRuleForm
from .models import Tag, TagRule
from .suggesting import FLAG_DECLINED_SHARE, FLAG_MIN_DECIDED, record_of, with_records

# Rules --------------------------------------------------------------------------------------


@require_GET
@org_required("manage_tags")
def rules(request):
    rule_rows = list(with_records(selectors.rules_for(request.organisation)))
    for rule in rule_rows:
        rule.record = record_of(rule)
    context = {
        "rules": rule_rows,
        "flagged": sum(rule.record.flagged for rule in rule_rows),
        "flag_min_decided": FLAG_MIN_DECIDED,
        "flag_declined_percent": round(100 * FLAG_DECLINED_SHARE),
        "has_tags": Tag.objects.filter(organisation=request.organisation).exists(),
    }
    if request.htmx:
        return render(request, "feedback/_rules_table.html", context)
    return render(request, "feedback/rules.html", context)


@require_http_methods(["GET", "POST"])
@org_required("manage_tags")
def rule_edit(request, pk=None):
    rule = org_object_or_404(request, TagRule, pk=pk) if pk else None
    form = TagRuleForm(request.POST or None, instance=rule, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        saved = services.tag_rule_save(
            actor=request.user,
            organisation=request.organisation,
            rule=rule,
            data=form.cleaned_data,
        )
        note = _("New feedback is matched against it.")
        if saved.is_active and form.cleaned_data.get("apply_to_recent"):
            since = timezone.now() - datetime.timedelta(days=selectors.PREVIEW_DAYS)
            created = services.suggestions_for_rule(actor=request.user, rule=saved, since=since)
            note = ngettext(
                "%(count)s recent comment got a suggestion.",
                "%(count)s recent comments got a suggestion.",
                created,
            ) % {"count": created}
        messages.success(
            request, _("Rule “%(name)s” saved. %(note)s") % {"name": saved.name, "note": note}
        )
        return redirect("feedback:rules")
    preview = None
    if rule is not None and request.method == "GET":
        preview = selectors.preview_rule(request.organisation, rule=rule)
    return render(
        request,
        "feedback/rule_form.html",
        {"rule": rule, "form": form, "preview": preview},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@org_required("manage_tags")
def rule_toggle(request, pk):
    rule = org_object_or_404(request, TagRule, pk=pk)
    services.tag_rule_set_active(actor=request.user, rule=rule, active=not rule.is_active)
    messages.success(
        request,
        (_("Rule “%(name)s” activated.") if rule.is_active else _("Rule “%(name)s” deactivated."))
        % {"name": rule.name},
    )
    return redirect("feedback:rules")


@require_POST
@org_required("manage_tags")
def rule_preview(request):
    form = TagRuleForm(request.POST, organisation=request.organisation)
    form.is_valid()  # the preview shows what the fields typed so far would match
    draft = form.preview_rule()
    preview = selectors.preview_rule(request.organisation, rule=draft)
    return render(request, "feedback/_rule_preview.html", {"preview": preview})
