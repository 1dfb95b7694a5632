"""audit_change: one event with the picture before and after the block's change."""

import pytest

from office.models import Duty
from tests.factories import OrganisationFactory
from xmo.audit import audit_change, audit_delete
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


def test_a_created_object_takes_the_created_action_and_the_block_adds_facts():
    org = OrganisationFactory()
    duty = Duty(organisation=org, title="Own the XLA catalogue")
    with audit_change(
        duty,
        actor=None,
        action="duty.updated",
        created_action="duty.created",
        fields=["title"],
        object_repr=lambda saved: f"Duty {saved.title}",
    ) as change:
        duty.save()
        change.extra = {"reason": "new office"}
    event = AuditEvent.objects.get(object_id=str(duty.pk))
    assert event.action == "duty.created"
    assert event.before is None
    assert event.after == {"title": "Own the XLA catalogue", "reason": "new office"}
    assert event.object_repr == "Duty Own the XLA catalogue"

    with audit_change(duty, actor=None, action="duty.updated", fields=["title"]) as change:
        duty.title = "Own the catalogue"
        duty.save()
        change.action = "duty.renamed"
    assert AuditEvent.objects.filter(action="duty.renamed", object_id=str(duty.pk)).count() == 1


def test_audit_delete_keeps_the_snapshot_as_before():
    org = OrganisationFactory()
    duty = Duty.objects.create(organisation=org, title="Run the weekly meeting")
    pk = duty.pk
    audit_delete(duty, actor=None, action="duty.deleted", fields=["title"], extra={"usage": 3})
    event = AuditEvent.objects.get(action="duty.deleted")
    assert not Duty.objects.filter(pk=pk).exists()
    assert (event.before, event.after) == ({"title": "Run the weekly meeting", "usage": 3}, None)
    assert event.object_id == str(pk)
