"""Every database constraint of the ground floor refuses the row it exists to refuse."""

from pathlib import Path

import pytest
from django.utils import timezone

from tests.constraints import refused, set_fields
from tests.factories import (
    ApiTokenFactory,
    MembershipFactory,
    NotificationFactory,
    OrganisationFactory,
    UserFactory,
)
from xmo.models import (
    ApiToken,
    JobLock,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    SsoIdentity,
    SsoRoleMapping,
)

pytestmark = pytest.mark.django_db


def test_organisation_slug_unique():
    OrganisationFactory(slug="same")
    with refused():
        Organisation.objects.create(slug="same", name="Twin")


@pytest.mark.parametrize("value", [-101, 101])
def test_org_benchmark_range(value):
    set_fields(OrganisationFactory(), benchmark_happiness=value)


@pytest.mark.parametrize("value", [-100.5, 100.5])
def test_org_target_range(value):
    set_fields(OrganisationFactory(), happiness_target=value)


def test_org_lost_time_target_nonneg():
    set_fields(OrganisationFactory(), lost_time_target_minutes=-1)


def test_membership_unique():
    membership = MembershipFactory()
    with refused():
        Membership.objects.create(
            user=membership.user, organisation=membership.organisation, role="admin"
        )


def test_membership_role_valid():
    set_fields(MembershipFactory(), role="emperor")


def test_api_token_active_name_unique():
    token = ApiTokenFactory(name="itsm")
    with refused():
        ApiTokenFactory(organisation=token.organisation, name="itsm")


def test_api_token_name_reusable_after_revocation():
    token = ApiTokenFactory(name="itsm", revoked_at=timezone.now())
    ApiTokenFactory(organisation=token.organisation, name="itsm")
    assert ApiToken.objects.filter(name="itsm").count() == 2


def test_sso_mapping_unique():
    mapping = SsoRoleMapping.objects.create(
        organisation=OrganisationFactory(), group="xmo-officers", role="officer"
    )
    with refused():
        SsoRoleMapping.objects.create(
            organisation=mapping.organisation, group="xmo-officers", role="viewer"
        )


def test_sso_mapping_role():
    mapping = SsoRoleMapping.objects.create(
        organisation=OrganisationFactory(), group="staff", role="viewer"
    )
    set_fields(mapping, role="emperor")


def test_sso_identity_unique():
    SsoIdentity.objects.create(user=UserFactory(), issuer="https://id.example", subject="42")
    with refused():
        SsoIdentity.objects.create(user=UserFactory(), issuer="https://id.example", subject="42")


def test_api_token_hash_unique():
    token = ApiTokenFactory()
    with refused():
        ApiTokenFactory(key_hash=token.key_hash)


def test_notification_once_per_recipient():
    note = NotificationFactory(dedupe_key="breach:1")
    with refused():
        Notification.objects.create(
            organisation=note.organisation,
            recipient=note.recipient,
            kind="info",
            title="Again",
            dedupe_key="breach:1",
        )


def test_notification_preference_once():
    note = NotificationFactory()
    key = {"user": note.recipient, "organisation": note.organisation, "kind": "breach"}
    NotificationPreference.objects.create(**key, channel="email")
    with refused():
        NotificationPreference.objects.create(**key, channel="in_app")


def test_job_lock_key_unique():
    now = timezone.now()
    JobLock.objects.create(key="job:x:1", holder="a", acquired_at=now, expires_at=now)
    with refused():
        JobLock.objects.create(key="job:x:1", holder="b", acquired_at=now, expires_at=now)


def test_every_constraint_of_the_domain_has_a_case_here():
    """A new constraint needs its own case in its app's tests/<app>/test_constraints.py."""
    from django.apps import apps

    tests = Path(__file__).resolve().parent.parent
    source = "\n".join(p.read_text() for p in sorted(tests.glob("*/test_constraints.py")))
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "xmo",
            "office",
            "changes",
            "experience",
            "xlas",
            "feedback",
            "meetings",
            "reports",
        }:
            continue
        for constraint in model._meta.constraints:
            if f"test_{constraint.name}" not in source:
                missing.append(f"{model._meta.label}.{constraint.name}")
    assert missing == []
