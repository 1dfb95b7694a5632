"""Feedback pages: the inbox, row actions (htmx), follow-up, tags and tag rules."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xmo.access import org_object_or_404, org_required
from xmo.periods import local_today
from xmo.roles import can

from . import selectors, services
from .filters import FeedbackFilter
from .forms import (
    BulkActionForm,
    FollowUpForm,
    QuickTagForm,
    StatusForm,
    TagForm,
    TagMergeForm,
)
from .models import FollowUp, Tag, TagSuggestion

PAGE_SIZE = 50


def _require(request, capability):
    if not can(request.membership, capability):
        raise PermissionDenied(f"Your role may not {capability.replace('_', ' ')}.")


def _querystring(request, drop=("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


# Inbox --------------------------------------------------------------------------------------


def _inbox_context(request, *, notice: str = "", errors=None) -> dict:
    membership = request.membership
    filterset = FeedbackFilter(
        request.GET or None,
        queryset=selectors.feedback_for(membership),
        request=request,
        membership=membership,
    )
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    queryset = selectors.inbox_rows(queryset.order_by("-submitted_at", "-id"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    tags = list(Tag.objects.filter(organisation=request.organisation).only("id", "name", "slug"))
    return {
        "filterset": filterset,
        "page": page,
        "rows": list(page.object_list),
        "counts": selectors.inbox_counts(membership),
        "tags": tags,
        "status_choices": StatusForm.base_fields["status"].choices,
        "querystring": _querystring(request),
        "filtered": bool(_querystring(request)),
        "notice": notice,
        "bulk_errors": errors or [],
        "org_tz": request.organisation.time_zone,
        "can_bulk": can(membership, "tag_feedback") or can(membership, "triage_feedback"),
    }


@require_GET
@org_required("view_feedback")
def inbox(request):
    context = _inbox_context(request)
    if request.htmx and not request.htmx.boosted:
        return render(request, "feedback/_results.html", context)
    return render(request, "feedback/inbox.html", context)


@require_POST
@org_required("view_feedback")
def bulk(request):
    form = BulkActionForm(request.POST, organisation=request.organisation)
    action = request.POST.get("action")
    _require(request, "triage_feedback" if action == "status" else "tag_feedback")
    notice, errors = "", []
    if form.is_valid():
        data = form.cleaned_data
        responses = list(selectors.feedback_for(request.membership).filter(pk__in=data["ids"]))
        if not responses:
            raise Http404("No such feedback.")
        kwargs = {
            "actor": request.user,
            "organisation": request.organisation,
            "responses": responses,
        }
        if data["action"] == "tag":
            count = services.feedback_tag(tag=data["tag"], **kwargs)
            notice = ngettext(
                "Tagged %(count)s comment with “%(tag)s”.",
                "Tagged %(count)s comments with “%(tag)s”.",
                count,
            ) % {"count": count, "tag": data["tag"].name}
        elif data["action"] == "untag":
            count = services.feedback_untag(tag=data["tag"], **kwargs)
            notice = ngettext(
                "Removed “%(tag)s” from %(count)s comment.",
                "Removed “%(tag)s” from %(count)s comments.",
                count,
            ) % {"count": count, "tag": data["tag"].name}
        else:
            count = services.feedback_set_status(status=data["status"], **kwargs)
            notice = ngettext(
                "Status changed on %(count)s comment.",
                "Status changed on %(count)s comments.",
                count,
            ) % {"count": count}
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    if request.htmx:
        return render(
            request, "feedback/_results.html", _inbox_context(request, notice=notice, errors=errors)
        )
    for message in errors:
        messages.error(request, message)
    if notice:
        messages.success(request, notice)
    query = _querystring(request)
    return redirect(reverse("feedback:inbox") + (f"?{query}" if query else ""))


def _row_response(request, response_id, *, notice: str = ""):
    if request.htmx:
        row = selectors.row_for(request.membership, response_id)
        tags = list(
            Tag.objects.filter(organisation=request.organisation).only("id", "name", "slug")
        )
        return render(
            request,
            "feedback/_row.html",
            {
                "r": row,
                "tags": tags,
                "status_choices": StatusForm.base_fields["status"].choices,
                "org_tz": request.organisation.time_zone,
                "can_bulk": can(request.membership, "tag_feedback")
                or can(request.membership, "triage_feedback"),
                "row_notice": notice,
            },
        )
    if notice:
        messages.info(request, notice)
    return redirect("feedback:inbox")


def _visible_response(request, pk):
    response = selectors.feedback_for(request.membership).filter(pk=pk).first()
    if response is None:
        raise Http404("No such feedback.")
    return response


@require_POST
@org_required("tag_feedback")
def row_tag(request, pk):
    response = _visible_response(request, pk)
    form = QuickTagForm(
        request.POST,
        organisation=request.organisation,
        can_create=can(request.membership, "manage_tags"),
    )
    notice = ""
    if form.is_valid():
        tag = form.tag or services.tag_create(
            actor=request.user, organisation=request.organisation, name=form.cleaned_data["name"]
        )
        services.feedback_tag(
            actor=request.user, organisation=request.organisation, responses=[response], tag=tag
        )
    else:
        notice = " ".join(e for errs in form.errors.values() for e in errs)
    return _row_response(request, response.pk, notice=notice)


@require_POST
@org_required("tag_feedback")
def row_untag(request, pk, tag_pk):
    response = _visible_response(request, pk)
    tag = org_object_or_404(request, Tag, pk=tag_pk)
    services.feedback_untag(
        actor=request.user, organisation=request.organisation, responses=[response], tag=tag
    )
    return _row_response(request, response.pk)


@require_POST
@org_required("triage_feedback")
def row_status(request, pk):
    response = _visible_response(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _row_response(request, response.pk, notice=_("Choose a valid status."))
    services.feedback_set_status(
        actor=request.user,
        organisation=request.organisation,
        responses=[response],
        status=form.cleaned_data["status"],
    )
    return _row_response(request, response.pk)


@require_POST
@org_required("triage_feedback")
def row_highlight(request, pk):
    response = _visible_response(request, pk)
    services.feedback_set_highlight(
        actor=request.user,
        organisation=request.organisation,
        response=response,
        highlighted=request.POST.get("highlighted") == "1",
    )
    return _row_response(request, response.pk)


def _suggestion(request, pk):
    suggestion = (
        TagSuggestion.objects.select_related("tag", "response")
        .filter(pk=pk, tag__organisation=request.organisation)
        .first()
    )
    if (
        suggestion is None
        or not selectors.feedback_for(request.membership).filter(pk=suggestion.response_id).exists()
    ):
        raise Http404("No such suggestion.")
    return suggestion


@require_POST
@org_required("tag_feedback")
def suggestion_accept(request, pk):
    suggestion = _suggestion(request, pk)
    notice = ""
    try:
        services.suggestion_accept(
            actor=request.user, organisation=request.organisation, suggestion=suggestion
        )
    except services.FeedbackError as exc:
        notice = str(exc)
    return _row_response(request, suggestion.response_id, notice=notice)


@require_POST
@org_required("tag_feedback")
def suggestion_decline(request, pk):
    suggestion = _suggestion(request, pk)
    notice = ""
    try:
        services.suggestion_decline(
            actor=request.user, organisation=request.organisation, suggestion=suggestion
        )
    except services.FeedbackError as exc:
        notice = str(exc)
    return _row_response(request, suggestion.response_id, notice=notice)


# Follow-up ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@org_required("view_feedback")
def follow_up(request, pk):
    # "Contacted at" is typed and shown in the organisation's time zone.
    with timezone.override(ZoneInfo(request.organisation.time_zone)):
        return _follow_up(request, pk)


def _follow_up(request, pk):
    response = _visible_response(request, pk)
    existing = FollowUp.objects.filter(response=response).select_related("owner").first()
    is_owner = existing is not None and existing.owner_id == request.user.pk
    if not (can(request.membership, "triage_feedback") or is_owner):
        raise PermissionDenied(_("Your role may not follow up feedback."))
    if not response.is_negative:
        raise Http404("Only negative responses (score 0–6) are followed up.")
    initial = {}
    if existing is None:
        initial = {
            "owner": request.user.pk,
            "due_on": local_today(request.organisation) + datetime.timedelta(days=5),
        }
    form = FollowUpForm(
        request.POST or None, instance=existing, initial=initial, organisation=request.organisation
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if is_owner and not can(request.membership, "triage_feedback"):
            data.pop("owner", None)  # an owner records progress but does not hand it on
        services.follow_up_save(
            actor=request.user, organisation=request.organisation, response=response, data=data
        )
        messages.success(request, _("Follow-up saved."))
        return redirect(
            reverse("feedback:inbox") + "?follow_up=mine" if is_owner else reverse("feedback:inbox")
        )
    template = "feedback/_follow_up_form.html" if request.htmx else "feedback/follow_up.html"
    return render(
        request,
        template,
        {
            "response": response,
            "form": form,
            "follow_up": existing,
            "org_tz": request.organisation.time_zone,
        },
        status=400 if request.method == "POST" else 200,
    )


# Tags ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@org_required("manage_tags")
def tags(request):
    form = TagForm(request.POST or None, initial={"color": "#4c6ef5"})
    if request.method == "POST" and form.is_valid():
        try:
            tag = services.tag_create(
                actor=request.user,
                organisation=request.organisation,
                **form.cleaned_data,
            )
        except services.FeedbackError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Tag “%(name)s” created.") % {"name": tag.name})
            return redirect("feedback:tags")
    context = {"form": form, "tags": selectors.tags_with_usage(request.organisation)}
    if request.htmx and request.method == "GET":
        return render(request, "feedback/_tags_table.html", context)
    return render(
        request,
        "feedback/tags.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@org_required("manage_tags")
def tag_edit(request, pk):
    tag = org_object_or_404(request, Tag, pk=pk)
    form = TagForm(
        request.POST or None,
        initial={"name": tag.name, "description": tag.description, "color": tag.color},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_update(actor=request.user, tag=tag, **form.cleaned_data)
        except services.FeedbackError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Tag renamed to “%(name)s”.") % {"name": tag.name})
            return redirect("feedback:tags")
    return render(
        request,
        "feedback/tag_edit.html",
        {"tag": tag, "form": form, "merge_form": TagMergeForm(source=tag)},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@org_required("manage_tags")
def tag_merge(request, pk):
    tag = org_object_or_404(request, Tag, pk=pk)
    merge_form = TagMergeForm(request.POST, source=tag)
    if not merge_form.is_valid():
        form = TagForm(
            initial={"name": tag.name, "description": tag.description, "color": tag.color}
        )
        return render(
            request,
            "feedback/tag_edit.html",
            {"tag": tag, "form": form, "merge_form": merge_form},
            status=400,
        )
    target = merge_form.cleaned_data["target"]
    name = tag.name
    services.tag_merge(actor=request.user, source=tag, target=target)
    messages.success(
        request, _("“%(name)s” merged into “%(target)s”.") % {"name": name, "target": target.name}
    )
    return redirect("feedback:tags")


@require_POST
@org_required("manage_tags")
def tag_delete(request, pk):
    tag = org_object_or_404(request, Tag, pk=pk)
    name = tag.name
    services.tag_delete(actor=request.user, tag=tag)
    messages.success(request, _("Tag “%(name)s” deleted.") % {"name": name})
    return redirect("feedback:tags")
