"""Organisation settings pages: each role, the outsider, every write audited, bounded queries."""

import datetime

import pytest

from experience.models import OperationalMetric, Persona, Service
from tests.factories import (
    ApiTokenFactory,
    AuditEventFactory,
    MembershipFactory,
    OperationalMetricFactory,
    PersonaFactory,
    ServiceFactory,
    UserFactory,
)
from xmo import jobs
from xmo.models import ApiToken, AuditEvent, JobRun, Membership

ROLES = ["admin", "officer", "member", "leader", "service_owner", "viewer"]

PAGES = [
    "/settings/",
    "/settings/members/",
    "/settings/services/",
    "/settings/services/new/",
    "/settings/personas/",
    "/settings/personas/new/",
    "/settings/metrics/",
    "/settings/metrics/new/",
    "/settings/tokens/",
    "/settings/audit/",
    "/settings/jobs/",
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_are_for_admins_only(users, login, role, url):
    response = login(users[role]).get(url)
    assert response.status_code == (200 if role == "admin" else 403)


@pytest.mark.parametrize("url", PAGES)
def test_outsider_sees_own_organisation_only(users, outsider, login, url, org_b):
    ServiceFactory(organisation=users["admin"].memberships.get().organisation, name="A-only")
    response = login(outsider).get(url)
    assert response.status_code == 200
    assert b"A-only" not in response.content
    assert b"Organisation A" not in response.content


@pytest.fixture
def a_objects(org_a):
    return {
        "service": ServiceFactory(organisation=org_a, slug="vpn", name="VPN"),
        "persona": PersonaFactory(organisation=org_a, slug="doers", name="Doers"),
        "metric": OperationalMetricFactory(organisation=org_a, slug="mttr", name="MTTR"),
        "token": ApiTokenFactory(organisation=org_a, name="itsm"),
    }


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/settings/services/{service}/"),
        ("post", "/settings/services/{service}/"),
        ("get", "/settings/personas/{persona}/"),
        ("post", "/settings/personas/{persona}/"),
        ("get", "/settings/metrics/{metric}/"),
        ("post", "/settings/metrics/{metric}/"),
        ("get", "/settings/tokens/{token}/revoke/"),
        ("post", "/settings/tokens/{token}/revoke/"),
        ("post", "/settings/members/{member}/role/"),
        ("post", "/settings/members/{member}/remove/"),
    ],
)
def test_outsider_gets_404_on_organisation_a_objects(
    users, outsider, login, a_objects, method, url
):
    ids = {k: v.pk for k, v in a_objects.items()}
    ids["member"] = Membership.objects.get(user=users["viewer"]).pk
    client = login(outsider)
    data = {"name": "Hijacked", "slug": "hijacked", "role": "admin", "direction": "lower"}
    response = getattr(client, method)(url.format(**ids), data)
    assert response.status_code == 404
    assert Service.objects.get(pk=ids["service"]).name == "VPN"
    assert ApiToken.objects.get(pk=ids["token"]).revoked_at is None
    assert Membership.objects.get(pk=ids["member"]).role == "viewer"


# -- organisation ------------------------------------------------------------------------------


def test_admin_updates_organisation_settings_with_audit(users, login, org_a):
    response = login(users["admin"]).post(
        "/settings/",
        {
            "name": "Organisation A IT",
            "time_zone": "Europe/Amsterdam",
            "escalation_delay_hours": 8,
            "silent_feed_gap_hours": 24,
            "happiness_target": 72,
            "lost_time_target_minutes": 150,
            "benchmark_happiness": 74,
            "currency": "GBP",
            "hourly_cost": 45.5,
        },
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (org_a.currency, org_a.hourly_cost) == ("GBP", 45.5)
    assert (org_a.name, org_a.time_zone, org_a.escalation_delay_hours) == (
        "Organisation A IT",
        "Europe/Amsterdam",
        8,
    )
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.before["escalation_delay_hours"] == 24
    assert event.after["escalation_delay_hours"] == 8
    assert event.actor == users["admin"]


def test_bad_organisation_settings_are_explained(users, login, org_a):
    response = login(users["admin"]).post(
        "/settings/",
        {
            "name": "",
            "time_zone": "Mars/Olympus",
            "escalation_delay_hours": -1,
            "silent_feed_gap_hours": 24,
            "happiness_target": 150,
            "lost_time_target_minutes": 150,
            "benchmark_happiness": 74,
            "currency": "euro",
            "hourly_cost": -3,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown time zone" in body
    assert "This field is required" in body
    assert "less than or equal to 100" in body
    assert "ISO 4217" in body and "greater than or equal to 0" in body
    org_a.refresh_from_db()
    assert org_a.time_zone == "Europe/London"
    assert not AuditEvent.objects.filter(action="organisation.updated").exists()


# -- members -----------------------------------------------------------------------------------


def test_members_list_bounded_queries(users, login, org_a, django_assert_max_num_queries):
    for n in range(20):
        MembershipFactory(organisation=org_a, user=UserFactory(username=f"extra{n}"))
    client = login(users["admin"])
    with django_assert_max_num_queries(12):
        response = client.get("/settings/members/")
    assert response.status_code == 200
    assert b"extra19" in response.content


def test_add_new_member_shows_password_once(users, login, org_a):
    response = login(users["admin"]).post(
        "/settings/members/", {"username": "newbie", "email": "newbie@a.test", "role": "member"}
    )
    assert response.status_code == 200
    membership = Membership.objects.get(user__username="newbie", organisation=org_a)
    assert membership.role == "member"
    password = response.context["new_password"]
    assert password and password in response.content.decode()
    assert membership.user.check_password(password)
    assert AuditEvent.objects.filter(action="membership.saved", object_id=membership.pk).exists()
    again = login(users["admin"]).get("/settings/members/")
    assert password not in again.content.decode()


def test_add_existing_user_keeps_their_email(users, login, org_a, outsider):
    response = login(users["admin"]).post(
        "/settings/members/", {"username": "b-admin", "email": "evil@a.test", "role": "viewer"}
    )
    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.email == "b-admin@example.test"
    assert Membership.objects.get(user=outsider, organisation=org_a).role == "viewer"


def test_add_member_twice_is_refused(users, login):
    response = login(users["admin"]).post(
        "/settings/members/", {"username": "a-viewer", "role": "member"}
    )
    assert response.status_code == 400
    assert b"already a member" in response.content


def test_change_role(users, login):
    membership = Membership.objects.get(user=users["viewer"])
    response = login(users["admin"]).post(
        f"/settings/members/{membership.pk}/role/", {"role": "officer"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "officer"
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "officer"})


def test_unknown_role_is_refused(users, login):
    membership = Membership.objects.get(user=users["viewer"])
    login(users["admin"]).post(f"/settings/members/{membership.pk}/role/", {"role": "emperor"})
    membership.refresh_from_db()
    assert membership.role == "viewer"


def test_last_admin_cannot_be_demoted_or_removed(users, login):
    admin = Membership.objects.get(user=users["admin"])
    client = login(users["admin"])
    response = client.post(f"/settings/members/{admin.pk}/role/", {"role": "viewer"}, follow=True)
    assert b"at least one admin" in response.content
    response = client.post(f"/settings/members/{admin.pk}/remove/", follow=True)
    assert b"last admin cannot be removed" in response.content
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_remove_member(users, login, org_a):
    membership = Membership.objects.get(user=users["viewer"])
    response = login(users["admin"]).post(f"/settings/members/{membership.pk}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.removed")
    assert event.before == {"user": "a-viewer", "role": "viewer"}


def test_an_admin_may_leave_when_another_admin_remains(users, login, org_a):
    MembershipFactory(organisation=org_a, role="admin")
    me = Membership.objects.get(user=users["admin"])
    response = login(users["admin"]).post(f"/settings/members/{me.pk}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=me.pk).exists()


# -- services, personas, metrics ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "model", "data"),
    [
        ("services", Service, {"name": "VPN", "slug": "vpn", "it_area": "Workplace"}),
        ("personas", Persona, {"name": "Doers", "slug": "doers"}),
        (
            "metrics",
            OperationalMetric,
            {"name": "MTTR", "slug": "mttr", "unit": "hours", "direction": "lower"},
        ),
    ],
)
def test_create_and_edit_catalogue_entries(users, login, org_a, kind, model, data):
    client = login(users["admin"])
    response = client.post(f"/settings/{kind}/new/", data)
    assert response.status_code == 302
    obj = model.objects.get(organisation=org_a, slug=data["slug"])
    created = AuditEvent.objects.get(object_id=obj.pk, action__endswith=".created")
    assert created.after["name"] == data["name"]

    response = client.post(f"/settings/{kind}/{obj.pk}/", data | {"name": "Renamed"})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.name == "Renamed"
    updated = AuditEvent.objects.get(object_id=obj.pk, action__endswith=".updated")
    assert (updated.before["name"], updated.after["name"]) == (data["name"], "Renamed")

    listing = client.get(f"/settings/{kind}/")
    assert b"Renamed" in listing.content


@pytest.mark.parametrize("kind", ["services", "personas", "metrics"])
def test_duplicate_or_bad_slug_is_explained(users, login, org_a, kind):
    ServiceFactory(organisation=org_a, slug="taken")
    PersonaFactory(organisation=org_a, slug="taken")
    OperationalMetricFactory(organisation=org_a, slug="taken")
    client = login(users["admin"])
    data = {"name": "X", "slug": "taken", "direction": "higher"}
    response = client.post(f"/settings/{kind}/new/", data)
    assert response.status_code == 400
    assert b"already uses" in response.content
    response = client.post(f"/settings/{kind}/new/", data | {"slug": "Bad Slug"})
    assert response.status_code == 400


def test_same_slug_allowed_in_another_organisation(users, login, org_a, org_b):
    ServiceFactory(organisation=org_b, slug="vpn")
    response = login(users["admin"]).post("/settings/services/new/", {"name": "VPN", "slug": "vpn"})
    assert response.status_code == 302


def test_service_owner_choices_are_members_only(users, login, outsider):
    response = login(users["admin"]).get("/settings/services/new/")
    owners = list(response.context["form"].fields["owner"].queryset)
    assert users["service_owner"] in owners
    assert outsider not in owners


@pytest.mark.parametrize("kind", ["services", "personas", "metrics"])
def test_catalogue_list_bounded_queries_and_empty_state(
    users, login, org_a, kind, django_assert_max_num_queries
):
    client = login(users["admin"])
    empty = client.get(f"/settings/{kind}/")
    assert b"empty-state" in empty.content
    for n in range(15):
        owner = UserFactory(username=f"owner{n}")
        ServiceFactory(organisation=org_a, slug=f"s{n}", owner=owner)
        PersonaFactory(organisation=org_a, slug=f"p{n}")
        OperationalMetricFactory(organisation=org_a, slug=f"m{n}")
    with django_assert_max_num_queries(10):
        response = client.get(f"/settings/{kind}/")
    assert response.status_code == 200


# -- API tokens ---------------------------------------------------------------------------------


def test_create_token_shows_raw_key_once_and_stores_hash(users, login, org_a):
    client = login(users["admin"])
    response = client.post("/settings/tokens/", {"name": "ServiceNow", "scopes": ["ingest"]})
    assert response.status_code == 200
    raw = response.context["raw_key"]
    assert raw.startswith("xmo_") and raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(organisation=org_a, name="ServiceNow")
    assert token.key_hash == ApiToken.hash_key(raw)
    assert token.scopes == ["ingest"]
    assert raw not in str(ApiToken.objects.values_list().get(pk=token.pk))
    assert AuditEvent.objects.filter(action="api_token.created", object_id=token.pk).exists()
    listing = client.get("/settings/tokens/")
    assert raw not in listing.content.decode()
    assert token.key_prefix.encode() in listing.content


def test_token_form_errors(users, login, org_a):
    ApiTokenFactory(organisation=org_a, name="itsm")
    client = login(users["admin"])
    response = client.post("/settings/tokens/", {"name": "itsm", "scopes": ["read"]})
    assert response.status_code == 400
    assert b"already has this name" in response.content
    response = client.post("/settings/tokens/", {"name": "new"})
    assert response.status_code == 400
    assert b"This field is required" in response.content
    response = client.post("/settings/tokens/", {"name": "new", "scopes": ["admin"]})
    assert response.status_code == 400


def test_revoke_token_asks_then_revokes(users, login, org_a):
    token = ApiTokenFactory(organisation=org_a, name="itsm")
    client = login(users["admin"])
    confirm = client.get(f"/settings/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert b"Revoke token" in confirm.content
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=token.pk).exists()


def test_tokens_list_bounded_queries(users, login, org_a, django_assert_max_num_queries):
    for n in range(15):
        ApiTokenFactory(organisation=org_a, created_by=UserFactory(username=f"maker{n}"))
    client = login(users["admin"])
    with django_assert_max_num_queries(10):
        response = client.get("/settings/tokens/")
    assert response.status_code == 200


# -- audit log ----------------------------------------------------------------------------------


def test_audit_log_filters_and_paginates(users, login, org_a, org_b, django_assert_max_num_queries):
    for n in range(60):
        AuditEventFactory(
            organisation=org_a,
            actor=users["officer"],
            object_type="xlas.xla",
            action="xla.proposed",
            object_repr=f"XLA {n}",
            before={"target": n},
            after={"target": n + 1},
        )
    AuditEventFactory(organisation=org_a, object_type="xmo.apitoken", action="api_token.created")
    AuditEventFactory(organisation=org_b, object_type="xlas.xla", object_repr="B's secret XLA")
    client = login(users["admin"])
    with django_assert_max_num_queries(12):
        response = client.get("/settings/audit/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 61
    assert b"B&#x27;s secret XLA" not in response.content and b"B's secret" not in response.content
    filtered = client.get("/settings/audit/?object_type=xmo.apitoken")
    assert filtered.context["page"].paginator.count == 1
    second = client.get("/settings/audit/?object_type=xlas.xla&page=2")
    assert second.context["page"].number == 2
    assert "object_type=xlas.xla&amp;page=1" in second.content.decode()
    assert b"<dt>target</dt>" in second.content


# -- jobs ---------------------------------------------------------------------------------------


@pytest.fixture
def one_job(monkeypatch):
    calls = []
    registry = {}
    monkeypatch.setattr(jobs, "REGISTRY", registry)
    monkeypatch.setattr(jobs, "_modules_loaded", True)

    @jobs.job("demo_echo", description="Echo for tests", order=5, every_seconds=60)
    def echo(org, **kwargs):
        calls.append(org.slug)
        return {"echoed": org.slug}

    return calls


def test_jobs_page_lists_registered_jobs_and_runs(users, login, org_a, one_job):
    run = JobRun.objects.create(name="demo_echo", organisation=org_a, status="succeeded")
    JobRun.objects.filter(pk=run.pk).update(
        finished_at=run.started_at + datetime.timedelta(seconds=2.5)
    )
    response = login(users["admin"]).get("/settings/jobs/")
    assert b"2.5 s" in response.content
    assert b"demo_echo" in response.content
    assert b"Echo for tests" in response.content
    assert b"every 60 s" in response.content


def test_run_all_button_queues_jobs_that_the_worker_runs(users, login, org_a, one_job):
    from xmo.celery import app

    app.conf.task_always_eager = True  # the worker, in-process
    try:
        response = login(users["admin"]).post("/settings/jobs/run/", follow=True)
    finally:
        app.conf.task_always_eager = False
    assert response.status_code == 200
    assert b"Queued 1 jobs" in response.content
    assert one_job == ["org-a"]
    run = JobRun.objects.get(name="demo_echo", organisation=org_a)
    assert run.status == "succeeded" and run.result == {"echoed": "org-a"}
    assert AuditEvent.objects.filter(action="jobs.enqueued").exists()


def test_run_all_with_no_jobs_says_so(users, login, monkeypatch):
    monkeypatch.setattr(jobs, "REGISTRY", {})
    monkeypatch.setattr(jobs, "_modules_loaded", True)
    response = login(users["admin"]).post("/settings/jobs/run/", follow=True)
    assert b"No background jobs are registered yet" in response.content


def test_run_all_when_queue_is_down_says_so(users, login, one_job, monkeypatch):
    monkeypatch.setattr(jobs, "enqueue", lambda name, org_id=None: False)
    response = login(users["admin"]).post("/settings/jobs/run/", follow=True)
    assert b"did not answer" in response.content


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_non_admins_cannot_queue_jobs(users, login, role, one_job):
    response = login(users[role]).post("/settings/jobs/run/")
    assert response.status_code == 403
    assert one_job == []
