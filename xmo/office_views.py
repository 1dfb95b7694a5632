"""Organisation settings: the organisation, members, API tokens, audit log, jobs.

Every page is for admins (capabilities manage_organisation, manage_tokens, view_audit_log,
run_jobs); every object is looked up within the current organisation; every write goes
through xmo.services and leaves an audit event.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .access import org_object_or_404, org_required
from .choices import JobStatus
from .forms import (
    ApiTokenForm,
    AuditFilterForm,
    MemberAddForm,
    MemberRoleForm,
    OrganisationSettingsForm,
    fresh_copy,
)
from .jobs import mark_abandoned_runs, ordered_jobs
from .models import ApiToken, AuditEvent, JobRun, Membership
from .pagination import page_of, query_without_page


@org_required("manage_organisation")
@require_http_methods(["GET", "POST"])
def organisation_settings(request):
    org = request.organisation
    if request.method == "POST":
        form = OrganisationSettingsForm(request.POST, instance=fresh_copy(org))
        if form.is_valid():
            services.organisation_update(organisation=org, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Organisation settings saved."))
            return redirect("settings_organisation")
    else:
        form = OrganisationSettingsForm(instance=org)
    return render(request, "xmo/settings/organisation.html", {"form": form, "tab": "organisation"})


# -- members -------------------------------------------------------------------------------


def _members_page(request, *, add_form=None, new_password=None, new_username=None, status=200):
    members = (
        Membership.objects.filter(organisation=request.organisation)
        .select_related("user")
        .order_by("user__username")
    )
    return render(
        request,
        "xmo/settings/members.html",
        {
            "tab": "members",
            "page": page_of(request, members),
            "add_form": add_form or MemberAddForm(organisation=request.organisation),
            "role_choices": MemberRoleForm.base_fields["role"].choices,
            "new_password": new_password,
            "new_username": new_username,
        },
        status=status,
    )


@org_required("manage_organisation")
@require_http_methods(["GET", "POST"])
def members(request):
    if request.method == "GET":
        return _members_page(request)
    form = MemberAddForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return _members_page(request, add_form=form, status=400)
    username = form.cleaned_data["username"]
    exists = get_user_model().objects.filter(username=username).exists()
    try:
        membership, password = services.member_add(
            organisation=request.organisation,
            username=username,
            role=form.cleaned_data["role"],
            # Another organisation's person keeps their own e-mail address.
            email="" if exists else form.cleaned_data["email"],
            actor=request.user,
        )
    except ValidationError as exc:
        form.add_error(None, " ".join(exc.messages))
        return _members_page(request, add_form=form, status=400)
    messages.success(
        request,
        _("%(username)s added as %(role)s.")
        % {"username": username, "role": membership.get_role_display()},
    )
    if password:
        # Shown once, on this response only; the user should change it after signing in.
        return _members_page(request, new_password=password, new_username=username)
    return redirect("settings_members")


@org_required("manage_organisation")
@require_POST
def member_role(request, pk):
    membership = org_object_or_404(request, Membership, pk=pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
        return redirect("settings_members")
    try:
        services.member_set_role(
            membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
    except services.LastAdminError as exc:
        messages.error(request, str(exc))
        return redirect("settings_members")
    messages.success(
        request,
        _("%(username)s is now %(role)s.")
        % {"username": membership.user.get_username(), "role": membership.get_role_display()},
    )
    return redirect("settings_members")


@org_required("manage_organisation")
@require_POST
def member_remove(request, pk):
    membership = org_object_or_404(request, Membership, pk=pk)
    username = membership.user.get_username()
    try:
        services.member_remove(membership=membership, actor=request.user)
    except services.LastAdminError as exc:
        messages.error(request, str(exc))
        return redirect("settings_members")
    messages.success(
        request,
        _("%(username)s no longer belongs to %(org)s.")
        % {"username": username, "org": request.organisation.name},
    )
    if membership.user_id == request.user.pk:
        return redirect("home")
    return redirect("settings_members")


# -- API tokens ----------------------------------------------------------------------------


def _tokens_page(request, *, form=None, raw_key=None, new_token=None, status=200):
    tokens = (
        ApiToken.objects.filter(organisation=request.organisation)
        .select_related("created_by")
        .order_by("revoked_at", "name", "-created_at")
    )
    return render(
        request,
        "xmo/settings/tokens.html",
        {
            "tab": "tokens",
            "page": page_of(request, tokens),
            "form": form or ApiTokenForm(organisation=request.organisation),
            "raw_key": raw_key,
            "new_token": new_token,
        },
        status=status,
    )


@org_required("manage_tokens")
@require_http_methods(["GET", "POST"])
def tokens(request):
    if request.method == "GET":
        return _tokens_page(request)
    form = ApiTokenForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return _tokens_page(request, form=form, status=400)
    token, raw = services.api_token_create(
        organisation=request.organisation,
        name=form.cleaned_data["name"],
        scopes=form.cleaned_data["scopes"],
        actor=request.user,
    )
    response = _tokens_page(request, raw_key=raw, new_token=token)
    response["Cache-Control"] = "no-store"
    return response


@org_required("manage_tokens")
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = org_object_or_404(request, ApiToken, pk=pk)
    if request.method == "POST":
        if token.revoked_at is None:
            services.api_token_revoke(token=token, actor=request.user)
            messages.success(
                request, _("Token “%(name)s” revoked; it no longer works.") % {"name": token.name}
            )
        return redirect("settings_tokens")
    return render(request, "xmo/settings/token_revoke.html", {"tab": "tokens", "token": token})


# -- audit log and jobs --------------------------------------------------------------------


@org_required("view_audit_log")
def audit_log(request):
    org = request.organisation
    events = AuditEvent.objects.filter(organisation=org).select_related("actor", "actor_token")
    object_types = list(
        AuditEvent.objects.filter(organisation=org)
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
    form = AuditFilterForm(request.GET or None, object_types=object_types)
    if form.is_valid() and form.cleaned_data["object_type"]:
        events = events.filter(object_type=form.cleaned_data["object_type"])
    page = page_of(request, events)
    return render(
        request,
        "xmo/settings/audit.html",
        {"tab": "audit", "page": page, "form": form, "query": query_without_page(request)},
    )


@org_required("run_jobs")
def job_runs(request):
    # A run whose worker died would otherwise show "running" for ever.
    mark_abandoned_runs(organisation=request.organisation)
    runs = JobRun.objects.filter(organisation=request.organisation).order_by("-started_at", "-id")
    page = page_of(request, runs)
    for run in page:
        run.seconds = (
            (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        )
    return render(
        request,
        "xmo/settings/jobs.html",
        {
            "tab": "jobs",
            "page": page,
            # An organisation's admin sees its own jobs, not the installation's upkeep.
            "jobs": [j for j in ordered_jobs(include_on_demand=True) if j.per_org],
            "any_abandoned": any(run.status == JobStatus.ABANDONED for run in page),
        },
    )


@org_required("run_jobs")
@require_POST
def jobs_run_all(request):
    queued, failed = services.jobs_enqueue_all(
        organisation=request.organisation, actor=request.user
    )
    if not queued and not failed:
        messages.info(request, _("No background jobs are registered yet; nothing was queued."))
    elif failed:
        messages.error(
            request,
            _(
                "The job queue did not answer; not queued: %(jobs)s. "
                "The scheduler will run them on its next round."
            )
            % {"jobs": ", ".join(failed)},
        )
    else:
        messages.success(
            request,
            ngettext(
                # English keeps "jobs" for one too (the wording people know); German counts.
                "Queued %(count)s jobs for the worker: %(jobs)s. "
                "Refresh this page to see them run.",
                "Queued %(count)s jobs for the worker: %(jobs)s. "
                "Refresh this page to see them run.",
                len(queued),
            )
            % {"count": len(queued), "jobs": ", ".join(queued)},
        )
    return redirect(reverse("settings_jobs"))
