"""Management commands: output, errors, exit codes."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from office.models import Office
from tests.factories import OrganisationFactory, UserFactory
from xmo import jobs
from xmo.api.authentication import BearerTokenAuthentication
from xmo.models import ApiToken, AuditEvent, JobRun, Membership, Organisation

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


# -- create_org ---------------------------------------------------------------------------------


def test_create_org():
    out = run("create_org", "acme", "--name", "Acme IT", "--time-zone", "Europe/Paris")
    assert "Created organisation 'acme' (Acme IT, Europe/Paris)" in out
    org = Organisation.objects.get(slug="acme")
    assert (org.name, org.time_zone) == ("Acme IT", "Europe/Paris")
    assert Office.objects.filter(organisation=org).exists()
    assert AuditEvent.objects.filter(action="organisation.created", object_id=org.pk).exists()


def test_create_org_defaults_to_london_time():
    run("create_org", "acme", "--name", "Acme IT")
    assert Organisation.objects.get(slug="acme").time_zone == "Europe/London"


def test_create_org_twice_fails():
    run("create_org", "acme", "--name", "Acme IT")
    with pytest.raises(CommandError, match="already exists"):
        run("create_org", "acme", "--name", "Other")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad Slug", "--name", "X"], "slug"),
        (["acme", "--name", "X", "--time-zone", "Mars/Olympus"], "Unknown time zone"),
        (["acme", "--name", ""], "name"),
    ],
)
def test_create_org_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_org", *args)
    assert not Organisation.objects.exists()


def test_create_org_requires_name():
    with pytest.raises(CommandError, match="--name"):
        run("create_org", "acme")


# -- add_member ---------------------------------------------------------------------------------


def test_add_member_with_password_from_environment(monkeypatch):
    org = OrganisationFactory(slug="acme")
    monkeypatch.setenv("XMO_PASSWORD", "a-long-enough-passphrase")
    out = run("add_member", "acme", "alice", "--role", "officer", "--email", "alice@acme.test")
    assert "alice is Experience Officer (officer) in" in out
    assert "XMO_PASSWORD" in out
    assert "a-long-enough-passphrase" not in out
    membership = Membership.objects.get(user__username="alice", organisation=org)
    assert membership.role == "officer"
    assert membership.user.email == "alice@acme.test"
    assert membership.user.check_password("a-long-enough-passphrase")


def test_add_member_generates_and_prints_a_password(monkeypatch):
    OrganisationFactory(slug="acme")
    monkeypatch.delenv("XMO_PASSWORD", raising=False)
    out = run("add_member", "acme", "bob", "--role", "viewer")
    password = out.strip().splitlines()[-1].split("Password: ")[1]
    assert len(password) >= 12
    assert Membership.objects.get(user__username="bob").user.check_password(password)


def test_add_member_existing_user_changes_role_without_new_password():
    org = OrganisationFactory(slug="acme")
    user = UserFactory(username="carol")
    run("add_member", "acme", "carol", "--role", "viewer")
    out = run("add_member", "acme", "carol", "--role", "leader")
    assert "Password" not in out
    assert Membership.objects.get(user=user, organisation=org).role == "leader"


def test_add_member_weak_password_is_refused(monkeypatch):
    OrganisationFactory(slug="acme")
    monkeypatch.setenv("XMO_PASSWORD", "short")
    with pytest.raises(CommandError, match="Password rejected"):
        run("add_member", "acme", "dave", "--role", "viewer")
    assert not Membership.objects.exists()


def test_add_member_unknown_org_or_role():
    OrganisationFactory(slug="acme")
    with pytest.raises(CommandError, match="No organisation with slug 'nope'"):
        run("add_member", "nope", "erin", "--role", "viewer")
    with pytest.raises(CommandError, match="Unknown role 'emperor'"):
        run("add_member", "acme", "erin", "--role", "emperor")


# -- create_api_token ---------------------------------------------------------------------------


def test_create_api_token_prints_raw_token_alone_on_last_line():
    org = OrganisationFactory(slug="acme")
    out = run("create_api_token", "acme", "--name", "ServiceNow", "--scopes", "ingest,read")
    raw = out.rstrip("\n").splitlines()[-1]
    assert raw.startswith("xmo_") and " " not in raw
    token = ApiToken.objects.get(organisation=org, name="ServiceNow")
    assert token.key_hash == ApiToken.hash_key(raw)
    assert token.scopes == ["ingest", "read"]
    assert raw not in (token.key_prefix + token.key_hash)
    request = RequestFactory().get("/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    user, authenticated = BearerTokenAuthentication().authenticate(request)
    assert authenticated == token
    assert user.token.organisation == org


def test_create_api_token_single_scope():
    OrganisationFactory(slug="acme")
    run("create_api_token", "acme", "--name", "reader", "--scopes", "read")
    assert ApiToken.objects.get(name="reader").scopes == ["read"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--name", "x"], "No organisation with slug 'nope'"),
        (["acme", "--name", "x", "--scopes", "ingest,admin"], "unknown: admin"),
        (["acme", "--name", "x", "--scopes", ","], "subset of"),
    ],
)
def test_create_api_token_bad_input(args, message):
    OrganisationFactory(slug="acme")
    with pytest.raises(CommandError, match=message):
        run("create_api_token", *args)
    assert not ApiToken.objects.exists()


def test_create_api_token_duplicate_active_name():
    OrganisationFactory(slug="acme")
    run("create_api_token", "acme", "--name", "itsm")
    with pytest.raises(CommandError, match="already has an active token named 'itsm'"):
        run("create_api_token", "acme", "--name", "itsm")


# -- run_job ------------------------------------------------------------------------------------


@pytest.fixture
def no_jobs(monkeypatch):
    monkeypatch.setattr(jobs, "REGISTRY", {})
    monkeypatch.setattr(jobs, "_modules_loaded", True)


@pytest.fixture
def two_jobs(no_jobs):
    calls = []

    @jobs.job("second", description="Runs after first", order=20, every_seconds=60)
    def second(org, **kwargs):
        calls.append(("second", org.slug))
        return {"n": 2}

    @jobs.job("first", description="Runs first", order=10, crontab={"minute": "5"})
    def first(org, **kwargs):
        calls.append(("first", org.slug))
        return {"n": 1}

    return calls


def test_run_job_list_without_jobs(no_jobs):
    assert "No jobs are registered yet." in run("run_job", "--list")


def test_run_job_all_without_jobs(no_jobs):
    assert "No jobs are registered yet; nothing to run." in run("run_job", "all")


def test_run_job_unknown_without_jobs(no_jobs):
    with pytest.raises(CommandError, match="Unknown job 'nope'. No jobs are registered yet."):
        run("run_job", "nope")


def test_run_job_needs_a_name(no_jobs):
    with pytest.raises(CommandError, match="Name a job"):
        run("run_job")


def test_run_job_list(two_jobs):
    out = run("run_job", "--list")
    lines = out.splitlines()
    assert "first" in lines[1] and "cron minute=5" in lines[1] and "Runs first" in lines[1]
    assert "second" in lines[2] and "every 60 s" in lines[2]


def test_run_job_one_for_one_org(two_jobs):
    OrganisationFactory(slug="acme")
    OrganisationFactory(slug="other")
    out = run("run_job", "second", "--org", "acme")
    assert 'second: {"acme": {"n": 2}}' in out
    assert two_jobs == [("second", "acme")]
    assert JobRun.objects.get().status == "succeeded"


def test_run_job_for_every_org_by_default(two_jobs):
    OrganisationFactory(slug="acme")
    OrganisationFactory(slug="other")
    run("run_job", "first")
    assert sorted(two_jobs) == [("first", "acme"), ("first", "other")]


def test_run_job_all_in_order(two_jobs):
    OrganisationFactory(slug="acme")
    out = run("run_job", "all", "--org", "acme")
    assert two_jobs == [("first", "acme"), ("second", "acme")]
    assert out.index("Running first") < out.index("Running second")


def test_run_job_unknown_job_or_org(two_jobs):
    with pytest.raises(CommandError, match="Unknown job 'nope'. Known jobs: first, second."):
        run("run_job", "nope")
    with pytest.raises(CommandError, match="No organisation with slug 'ghost'"):
        run("run_job", "first", "--org", "ghost")
    assert two_jobs == []


def test_run_job_failure_is_reported(no_jobs):
    OrganisationFactory(slug="acme")

    @jobs.job("broken", description="Fails")
    def broken(org, **kwargs):
        raise RuntimeError("disk full")

    with pytest.raises(CommandError, match="Job broken failed: RuntimeError: disk full"):
        run("run_job", "broken")
    assert JobRun.objects.get().status == "failed"


def test_command_errors_exit_non_zero(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_DEBUG="1", XMO_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "run_job", "no-such-job"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Unknown job 'no-such-job'" in result.stderr
