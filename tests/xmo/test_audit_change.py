"""audit_change: one event with the picture before and after the block's change."""

import pytest

from tests.factories import OrganisationFactory
from xmo.audit import audit_change
from xmo.models import AuditEvent, Organisation

pytestmark = pytest.mark.django_db


def test_one_event_with_before_and_after():
    org = OrganisationFactory(name="Before")
    with audit_change(
        org, actor=None, action="organisation.updated", fields=["name"], organisation=org
    ):
        org.name = "After"
        org.save()
    event = AuditEvent.objects.get(action="organisation.updated")
    assert (event.before, event.after) == ({"name": "Before"}, {"name": "After"})
    assert event.object_id == str(org.pk)


def test_a_failed_block_writes_nothing():
    org = OrganisationFactory()
    with (
        pytest.raises(ValueError),
        audit_change(
            org, actor=None, action="organisation.updated", fields=["name"], organisation=org
        ),
    ):
        raise ValueError("refused")
    assert not AuditEvent.objects.filter(action="organisation.updated").exists()


def test_only_changes_skips_a_change_that_changed_nothing():
    org = OrganisationFactory(name="Same")
    with audit_change(
        org,
        actor=None,
        action="organisation.updated",
        fields=["name"],
        organisation=org,
        only_changes=True,
    ):
        org.save()
    assert not AuditEvent.objects.filter(action="organisation.updated").exists()


def test_a_new_object_has_no_before_and_reread_reads_the_stored_row():
    org = OrganisationFactory(name="Stored")
    new = Organisation(slug="fresh", name="Fresh")
    with audit_change(
        new, actor=None, action="organisation.created", fields=["name"], organisation=org
    ):
        new.save()
    created = AuditEvent.objects.get(action="organisation.created")
    assert (created.before, created.after) == (None, {"name": "Fresh"})
    org.name = "Changed in memory"
    with audit_change(
        org,
        actor=None,
        action="organisation.updated",
        fields=["name"],
        organisation=org,
        reread=True,
    ):
        org.save()
    updated = AuditEvent.objects.get(action="organisation.updated")
    assert updated.before == {"name": "Stored"}
