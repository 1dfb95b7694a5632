"""Role helpers: every role against every capability, and the org_required decorator."""

import pytest
from django.test import RequestFactory

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from xmo.choices import Role
from xmo.models import Membership
from xmo.roles import CAPABILITIES, Capabilities, can, has_any_role, roles_with

ROLES = list(Role.values)

# What each role may do, written out independently of xmo/roles.py.
EXPECTED = {
    "view_dashboard": set(ROLES),
    "view_published_reports": set(ROLES),
    "view_xlas": set(ROLES),
    "view_breaches": set(ROLES),
    "view_feedback": {"admin", "officer", "member", "service_owner"},
    "view_score_drops": {"admin", "officer", "member", "leader", "service_owner"},
    "view_draft_reports": {"admin", "officer", "member"},
    "view_meetings": {"admin", "officer", "member", "leader"},
    "view_audit_log": {"admin"},
    "tag_feedback": {"admin", "officer", "member"},
    "triage_feedback": {"admin", "officer", "member"},
    "manage_tags": {"admin", "officer"},
    "review_score_drops": {"admin", "officer"},
    "work_breaches": {"admin", "officer", "service_owner"},
    "manage_initiatives": {"admin", "officer", "member"},
    "edit_xla_drafts": {"admin", "officer"},
    "propose_xla_change": {"admin", "officer"},
    "approve_xla_change": {"admin", "leader"},
    "run_meetings": {"admin", "officer", "member"},
    "edit_reports": {"admin", "officer"},
    "publish_reports": {"admin", "officer"},
    "manage_organisation": {"admin"},
    "manage_tokens": {"admin"},
    "run_jobs": {"admin"},
}


@pytest.mark.parametrize("capability", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_each_foundation_capability(role, capability):
    assert can(Membership(role=role), capability) is (role in EXPECTED[capability])


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
@pytest.mark.parametrize("role", ROLES)
def test_every_capability_answers_from_the_table(role, capability):
    assert can(Membership(role=role), capability) is (role in CAPABILITIES[capability])
    assert Capabilities(Membership(role=role))[capability] is (role in roles_with(capability))


def test_foundation_capabilities_are_kept():
    for capability, roles in EXPECTED.items():
        assert set(CAPABILITIES[capability]) == roles, capability


def test_admin_only_capabilities():
    for capability in ("manage_organisation", "manage_tokens", "view_audit_log", "run_jobs"):
        assert roles_with(capability) == {"admin"}


def test_no_membership_can_do_nothing():
    assert not any(can(None, capability) for capability in CAPABILITIES)
    assert Capabilities(None).view_dashboard is False


def test_unknown_capability_is_an_error():
    with pytest.raises(KeyError):
        can(Membership(role="admin"), "launch_rockets")


def test_has_any_role():
    assert has_any_role(Membership(role="leader"), ["admin", "leader"])
    assert not has_any_role(Membership(role="viewer"), ["admin", "leader"])
    assert not has_any_role(None, ROLES)


def test_capabilities_helper_in_templates():
    caps = Capabilities(Membership(role="officer"))
    assert caps.tag_feedback is True
    assert caps.manage_tokens is False
    with pytest.raises(AttributeError):
        caps._private  # noqa: B018


# -- org_required, seen through a settings page (manage_organisation) --------------------------


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/settings/"


@pytest.mark.django_db
def test_signed_in_without_membership_gets_403(client):
    client.force_login(UserFactory())
    response = client.get("/settings/")
    assert response.status_code == 403
    assert b"not a member of any organisation" in response.content


def test_wrong_role_gets_403(users, login):
    response = login(users["officer"]).get("/settings/")
    assert response.status_code == 403
    assert b"Not allowed" in response.content


def test_right_role_passes_with_organisation_resolved(users, login, org_a):
    response = login(users["admin"]).get("/settings/")
    assert response.status_code == 200
    assert org_a.name.encode() in response.content


@pytest.mark.django_db
def test_decorator_sets_request_organisation_and_membership():
    from xmo.access import org_required

    org = OrganisationFactory()
    user = UserFactory()
    membership = MembershipFactory(user=user, organisation=org, role="leader")
    seen = {}

    @org_required("approve_xla_change")
    def view(request):
        seen["org"] = request.organisation
        seen["membership"] = request.membership
        return "ok"

    request = RequestFactory().get("/x")
    request.user = user
    request.session = {}
    request.membership_lazy = lambda: membership
    assert view(request) == "ok"
    assert seen == {"org": org, "membership": membership}
    assert view.required_capability == "approve_xla_change"
