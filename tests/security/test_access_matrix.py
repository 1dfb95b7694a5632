"""Every URL × every role × own or other organisation, generated from the URL configuration.

A URL without an entry in ACCESS fails `test_every_url_has_an_access_rule`, so a new page or
endpoint cannot ship without saying who may use it. Each rule names the capability (from
xmo.roles) or the roles allowed, the HTTP method to probe, and how to build its arguments
from the `world` fixture (objects of organisation A).

Semantics, probed with an empty body for POST:
- a role that may use it gets neither 403 nor 404 (nor a redirect to log-in);
- a role that may not gets 403;
- anonymous people are redirected to log-in (pages) or get 401/403 (API);
- the outsider (admin of organisation B) gets 404 for every URL about an object of A.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from xmo.roles import ALL_ROLES, CAPABILITIES

ROLES = sorted(ALL_ROLES)


@dataclass(frozen=True)
class Rule:
    capability: str | None = None
    roles: frozenset[str] | None = None
    public: bool = False
    method: str = "get"
    kwargs: callable | None = None  # world -> dict of URL kwargs (objects of org A)
    data: callable | None = None  # world -> POST body
    query: str = ""
    api: bool = False
    login_redirect_ok: bool = False  # e.g. log-out sends everyone to the log-in page
    about_an_object: bool = True  # kwargs name an object of organisation A
    owner: str | None = None  # a person's own object: only this role's user; others get 404

    def allowed_roles(self) -> frozenset[str]:
        if self.public:
            return ALL_ROLES
        if self.roles is not None:
            return self.roles
        if self.capability is not None:
            return CAPABILITIES[self.capability]
        return ALL_ROLES


ANY_MEMBER = Rule()


# name (with namespace) → Rule. Keep in the order of the URL configuration.
def pk(key):
    return lambda w: {"pk": w[key].pk}


def post(capability, key=None, **extra):
    extra.setdefault("kwargs", pk(key) if key else None)
    return Rule(capability=capability, method="post", **extra)


def get(capability, key=None, **extra):
    extra.setdefault("kwargs", pk(key) if key else None)
    return Rule(capability=capability, **extra)


def api(capability, key=None, method="get", kwargs=None):
    kwargs = kwargs or (pk(key) if key else None)
    return Rule(capability=capability, method=method, kwargs=kwargs, api=True)


def _own_notification(w):
    from tests.factories import NotificationFactory

    return NotificationFactory(organisation=w["org"], recipient=w["users"]["member"], url="/")


def _sso_mapping(w):
    from xmo.models import SsoRoleMapping

    return SsoRoleMapping.objects.get_or_create(
        organisation=w["org"], group="xmo-officers", defaults={"role": "officer"}
    )[0]


def slug(key):
    return lambda w: {"slug": w[key].slug}


ACCESS: dict[str, Rule] = {
    "healthz": Rule(public=True),
    "readyz": Rule(public=True),
    "home": ANY_MEMBER,
    "login": Rule(public=True),
    "logout": Rule(public=True, method="post", login_redirect_ok=True),
    "switch_organisation": Rule(
        public=True, method="post", data=lambda w: {"organisation": w["org"].pk}
    ),
    # Single sign-on's start and callback: public; without SSO configured, back to log-in.
    "oidc_authentication_init": Rule(public=True, login_redirect_ok=True),
    "oidc_authentication_callback": Rule(public=True, login_redirect_ok=True),
    # The notification centre: every member, their own notifications only
    "notifications": ANY_MEMBER,
    "notifications_read_all": Rule(method="post"),
    "notification_preferences": ANY_MEMBER,
    "notification_open": Rule(kwargs=lambda w: {"pk": _own_notification(w).pk}, owner="member"),
    "notification_read": Rule(
        method="post", kwargs=lambda w: {"pk": _own_notification(w).pk}, owner="member"
    ),
    # Organisation settings
    "settings_organisation": get("manage_organisation"),
    "settings_members": get("manage_organisation"),
    "settings_member_role": post("manage_organisation", "membership"),
    "settings_member_remove": post("manage_organisation", "membership"),
    "settings_tokens": get("manage_tokens"),
    "settings_token_revoke": post("manage_tokens", "token"),
    "settings_audit": get("view_audit_log"),
    "settings_jobs": get("run_jobs"),
    "settings_jobs_run": post("run_jobs"),
    "settings_services": get("manage_organisation"),
    "settings_services_new": get("manage_organisation"),
    "settings_services_edit": get("manage_organisation", "service"),
    "settings_personas": get("manage_organisation"),
    "settings_personas_new": get("manage_organisation"),
    "settings_personas_edit": get("manage_organisation", "persona"),
    "settings_metrics": get("manage_organisation"),
    "settings_metrics_new": get("manage_organisation"),
    "settings_metrics_edit": get("manage_organisation", "metric"),
    "settings_webhooks": get("manage_organisation"),
    "settings_webhook_active": post("manage_organisation", "webhook"),
    "settings_webhook_deliveries": get("manage_organisation"),
    "settings_webhook_delivery_resend": post("manage_organisation", "webhook_delivery"),
    "settings_sso": get("manage_organisation"),
    "settings_sso_mapping_remove": post(
        "manage_organisation", kwargs=lambda w: {"pk": _sso_mapping(w).pk}
    ),
    # Feedback
    "feedback:inbox": get("view_feedback"),
    "feedback:bulk": post(
        "tag_feedback",
        data=lambda w: {"action": "tag", "ids": [w["response"].pk], "tag": w["tag"].pk},
    ),
    "feedback:row_tag": post("tag_feedback", "response"),
    "feedback:row_untag": post(
        "tag_feedback", kwargs=lambda w: {"pk": w["response"].pk, "tag_pk": w["tag"].pk}
    ),
    "feedback:row_status": post("triage_feedback", "response"),
    "feedback:row_highlight": post("triage_feedback", "response"),
    "feedback:follow_up": post("triage_feedback", "response"),
    "feedback:suggestion_accept": post("tag_feedback", "suggestion"),
    "feedback:suggestion_decline": post("tag_feedback", "suggestion"),
    "feedback:tags": get("manage_tags"),
    "feedback:tag_edit": get("manage_tags", "tag"),
    "feedback:tag_merge": post("manage_tags", "tag"),
    "feedback:tag_delete": post("manage_tags", "tag"),
    "feedback:rules": get("manage_tags"),
    "feedback:rule_create": get("manage_tags"),
    "feedback:rule_edit": get("manage_tags", "rule"),
    "feedback:rule_toggle": post("manage_tags", "rule"),
    "feedback:rule_preview": post("manage_tags"),
    # Score drops
    "experience:drop_list": get("view_score_drops"),
    "experience:drop_detail": get("view_score_drops", "drop"),
    "experience:drop_acknowledge": post("review_score_drops", "drop"),
    "experience:drop_investigate": post("review_score_drops", "drop"),
    "experience:drop_close": post("review_score_drops", "drop"),
    "meetings:drop_action_create": post("review_score_drops", "drop"),
    "meetings:drop_add_to_agenda": post("review_score_drops", "drop"),
    "experience:service_list": get("view_dashboard"),
    "experience:service_experience": get(
        "view_dashboard", kwargs=lambda w: {"slug": w["service"].slug}
    ),
    "experience:disruption_list": get("view_dashboard"),
    "experience:disruption_create": get("declare_disruptions"),
    "experience:disruption_edit": get("declare_disruptions", "disruption"),
    # Changes and their verdicts
    "changes:change_list": get("view_changes"),
    "changes:change_league": get("view_changes"),
    "changes:change_detail": get("view_changes", "change"),
    # XLAs and breaches
    "xlas:xla_list": get("view_xlas"),
    "xlas:xla_create": get("edit_xla_drafts"),
    "xlas:review_list": get("view_xlas"),
    "xlas:xla_detail": get("view_xlas", "xla"),
    "xlas:xla_propose_change": get("propose_xla_change", "xla"),
    "xlas:xla_new_draft": post("edit_xla_drafts", "xla"),
    "xlas:version_detail": get("view_xlas", "version"),
    "xlas:version_edit": get("edit_xla_drafts", "draft_version"),
    "xlas:version_propose": post("propose_xla_change", "draft_version"),
    "xlas:version_discard": post("edit_xla_drafts", "draft_version"),
    "xlas:version_approve": post("approve_xla_change", "proposed_version"),
    "xlas:version_reject": post("approve_xla_change", "proposed_version"),
    "xlas:breach_list": get("view_breaches"),
    "xlas:breach_detail": get("view_breaches", "breach"),
    "xlas:breach_acknowledge": post("work_breaches", "breach"),
    "xlas:breach_investigation": post("work_breaches", "breach"),
    "xlas:breach_status": post("work_breaches", "breach"),
    "meetings:breach_action_create": post("work_breaches", "breach"),
    # Meetings and initiatives
    "meetings:index": get("view_meetings"),
    "meetings:series_list": get("view_meetings"),
    "meetings:series_create": get("run_meetings"),
    "meetings:series_detail": get("view_meetings", "series"),
    "meetings:series_edit": get("run_meetings", "series"),
    "meetings:series_calendar": get("view_meetings", "series"),
    "meetings:series_next": post("run_meetings", "series"),
    "meetings:actions": get("view_meetings"),
    "meetings:actions_mine": ANY_MEMBER,
    "meetings:action_status": post("run_meetings", "action"),
    "meetings:initiatives": ANY_MEMBER,
    "meetings:initiative_create": get("manage_initiatives"),
    "meetings:initiative_detail": Rule(kwargs=pk("initiative")),
    "meetings:initiative_edit": get("manage_initiatives", "initiative"),
    "meetings:initiative_business_case": Rule(kwargs=pk("initiative")),
    "meetings:initiative_business_case_sign": post("sign_business_cases", "initiative"),
    "meetings:detail": get("view_meetings", "meeting"),
    "meetings:minutes": get("view_meetings", "meeting"),
    "meetings:draft": post("run_meetings", "meeting"),
    "meetings:attendance": post("run_meetings", "meeting"),
    "meetings:item_add": post("run_meetings", "meeting"),
    "meetings:item_notes": post(
        "run_meetings", kwargs=lambda w: {"pk": w["meeting"].pk, "item_pk": w["agenda_item"].pk}
    ),
    "meetings:item_move": post(
        "run_meetings", kwargs=lambda w: {"pk": w["meeting"].pk, "item_pk": w["agenda_item"].pk}
    ),
    "meetings:item_remove": post(
        "run_meetings", kwargs=lambda w: {"pk": w["meeting"].pk, "item_pk": w["agenda_item"].pk}
    ),
    "meetings:item_restore": post(
        "run_meetings", kwargs=lambda w: {"pk": w["meeting"].pk, "item_pk": w["agenda_item"].pk}
    ),
    "meetings:decision_add": post("run_meetings", "meeting"),
    "meetings:decision_delete": post(
        "run_meetings", kwargs=lambda w: {"pk": w["meeting"].pk, "decision_pk": w["decision"].pk}
    ),
    "meetings:action_add": post("run_meetings", "meeting"),
    "meetings:close": post("run_meetings", "meeting"),
    "meetings:next": post("run_meetings", "meeting"),
    "meetings:objective_status": post(
        "run_meetings",
        kwargs=lambda w: {"pk": w["quarterly_meeting"].pk, "objective_pk": w["objective"].pk},
    ),
    "meetings:focus_area_add": post("run_meetings", "quarterly_meeting"),
    # The office
    "office:page": get("view_office"),
    "office:mission": get("edit_office"),
    "office:hand_over": get("edit_office"),
    "office:roles": get("view_office"),
    "office:duty_add": post("edit_office"),
    "office:duty_remove": post("edit_office", "duty"),
    "office:duty_assign": post("edit_office", "duty"),
    "office:scope": get("edit_office", "service"),
    "office:objectives": get("view_office"),
    "office:objective_create": get("edit_office"),
    "office:objective_detail": get("view_office", "objective"),
    "office:objective_edit": get("edit_office", "objective"),
    "office:objective_review": post("edit_office", "objective"),
    "office:objective_close": post("edit_office", "objective"),
    "office:key_result_create": get(
        "edit_office", kwargs=lambda w: {"objective_pk": w["objective"].pk}
    ),
    "office:key_result_edit": get(
        "edit_office",
        kwargs=lambda w: {"objective_pk": w["objective"].pk, "pk": w["key_result"].pk},
    ),
    "office:key_result_remove": post(
        "edit_office",
        kwargs=lambda w: {"objective_pk": w["objective"].pk, "pk": w["key_result"].pk},
    ),
    "office:people": get("view_office"),
    "office:profile": get("edit_office", "membership"),
    "office:training_add": post("edit_office"),
    "office:training_complete": post("edit_office", "training"),
    "office:training_remove": post("edit_office", "training"),
    # Reports
    "reports:archive": get("view_published_reports"),
    "reports:draft": post("edit_reports"),
    "reports:detail": get("view_published_reports", "report"),
    "reports:figures_csv": get("view_published_reports", "report"),
    "reports:edit": get("edit_reports", "draft_report"),
    "reports:redraft": post("edit_reports", "draft_report"),
    "reports:status": post("edit_reports", "draft_report"),
    "reports:move_section": post(
        "edit_reports",
        kwargs=lambda w: {"pk": w["draft_report"].pk, "section_pk": w["draft_section"].pk},
    ),
    # Dashboards
    "dashboard:index": get("view_dashboard"),
    "dashboard:segment": get("view_dashboard"),
    "dashboard:export": Rule(
        capability="view_dashboard", kwargs=lambda w: {"chart": "tiles"}, about_an_object=False
    ),
    # API (session access by role; token access is tested in tests/api)
    "api-survey-responses": api("manage_organisation", method="post"),
    "api-metric-samples": api("manage_organisation", method="post"),
    "api-trends": api("view_dashboard"),
    "api-service-list": api("view_dashboard"),
    "api-service-detail": api("view_dashboard", kwargs=slug("service")),
    "api-persona-list": api("view_dashboard"),
    "api-persona-detail": api("view_dashboard", kwargs=slug("persona")),
    "api-metric-list": api("view_dashboard"),
    "api-metric-detail": api("view_dashboard", kwargs=slug("metric")),
    "api-service-experience-drivers": Rule(
        capability="view_dashboard", kwargs=lambda w: {"slug": w["service"].slug}, api=True
    ),
    "api-predictions": Rule(capability="view_dashboard", query="service=service-desk", api=True),
    "api-score-drop-list": api("view_score_drops"),
    "api-score-drop-detail": api("view_score_drops", "drop"),
    "api-incident-list": api("view_score_drops"),
    "api-incident-detail": api("view_score_drops", "incident"),
    "api-disruption-list": api("view_dashboard"),
    "api-disruption-detail": api("view_dashboard", "disruption"),
    "api-change-list": api("view_changes"),
    "api-change-detail": api("view_changes", "change"),
    "api-xla-list": api("view_xlas"),
    "api-xla-detail": api("view_xlas", "xla"),
    "api-breach-list": api("view_breaches"),
    "api-breach-detail": api("view_breaches", "breach"),
    "api-feedback-list": api("view_feedback"),
    "api-feedback-detail": api("view_feedback", "response"),
    "api-report-list": api("view_published_reports"),
    "api-report-detail": api("view_published_reports", "report"),
    "schema": Rule(public=True),
    "api-docs": Rule(public=True),
}

# Framework URLs with their own access control, checked elsewhere.
EXEMPT_PREFIXES = ("admin:",)


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def all_url_names() -> list[str]:
    return sorted(
        {n for n in _walk(get_resolver().url_patterns) if not n.startswith(EXEMPT_PREFIXES)}
    )


def test_every_url_has_an_access_rule():
    missing = [name for name in all_url_names() if name not in ACCESS]
    assert not missing, (
        f"URLs without an access rule in tests/security/test_access_matrix.py: {missing}"
    )


def test_no_stale_rules():
    names = set(all_url_names())
    stale = [name for name in ACCESS if name not in names]
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


@pytest.fixture
def world(org_a, users):
    """One object of each kind in organisation A, for URL arguments."""
    from tests.factories import build_world

    return build_world(org_a, users)


def _url(name, rule, world):
    from django.urls import reverse

    kwargs = rule.kwargs(world) if rule.kwargs else {}
    return reverse(name, kwargs=kwargs) + (f"?{rule.query}" if rule.query else "")


def _request(client, rule, url, world):
    if rule.method == "post":
        return client.post(url, rule.data(world) if rule.data else {})
    return client.get(url)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def _probe(client, user, rule, url, world):
    """One request as `user` (None = anonymous), rolled back so probes never interfere."""
    with transaction.atomic():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = _request(client, rule, url, world)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_access_matrix(name, world, users, outsider, client):
    """Each role of organisation A, the outsider of B and an anonymous visitor."""
    rule = ACCESS[name]
    url = _url(name, rule, world)
    problems = []
    for role in ROLES:
        response = _probe(client, users[role], rule, url, world)
        status = response.status_code
        if status >= 500:
            problems.append(f"{role}: {status}")
        elif rule.owner is not None and role != rule.owner:
            if status != 404:
                problems.append(f"{role} (not the owner) should get 404, got {status}")
        elif role in rule.allowed_roles():
            if status in (403, 404) or (
                not rule.login_redirect_ok and _is_login_redirect(response)
            ):
                problems.append(f"{role} should be allowed, got {status}")
        elif status != 403:
            problems.append(f"{role} should get 403, got {status}")
    if rule.kwargs and rule.about_an_object:
        status = _probe(client, outsider, rule, url, world).status_code
        if status != 404:
            problems.append(f"outsider should get 404, got {status}")
    if not rule.public:
        response = _probe(client, None, rule, url, world)
        anonymous_ok = (rule.api and response.status_code in (401, 403)) or (
            not rule.api and (_is_login_redirect(response) or response.status_code in (401, 403))
        )
        if not anonymous_ok:
            problems.append(f"anonymous got {response.status_code}")
    assert not problems, f"{name} ({url}): " + "; ".join(problems)
