"""Audit log: every change to XLAs, tags, roles, tokens and reports, made through the pages,
records who, when, and the state before and after; only admins read the log."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.security.test_access_matrix import world  # noqa: F401 - fixture
from xmo.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db


def _event(action, org):
    events = AuditEvent.objects.filter(organisation=org, action=action)
    assert events.count() == 1, (action, list(AuditEvent.objects.values_list("action", flat=True)))
    event = events.get()
    assert timezone.now() - event.created_at < datetime.timedelta(minutes=1)
    return event


def _post(client, user, name, data, **kwargs):
    client.force_login(user)
    response = client.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code in (200, 302), response.status_code
    return response


def test_approving_an_xla_change(client, world, users):  # noqa: F811
    version = world["proposed_version"]
    _post(
        client,
        users["leader"],
        "xlas:version_approve",
        {"effective_from": "2027-01-01", "note": "Agreed in the quarterly meeting."},
        pk=version.pk,
    )
    event = _event("xla.approved", world["org"])
    assert event.actor == users["leader"]
    assert event.before is not None and event.after is not None
    assert event.before != event.after
    assert "proposed" in json.dumps(event.before)
    assert "active" in json.dumps(event.after)


def test_renaming_and_deleting_a_tag(client, world, users):  # noqa: F811
    tag = world["tag"]
    _post(client, users["officer"], "feedback:tag_edit", {"name": "Remote access"}, pk=tag.pk)
    event = _event("tag.updated", world["org"])
    assert event.actor == users["officer"]
    assert event.before["name"] == "VPN" and event.after["name"] == "Remote access"

    _post(client, users["officer"], "feedback:tag_delete", {}, pk=tag.pk)
    deleted = _event("tag.deleted", world["org"])
    assert deleted.before["name"] == "Remote access"
    assert deleted.object_id == str(tag.pk)


def test_changing_a_members_role(client, world, users):  # noqa: F811
    membership = world["membership"]
    _post(client, users["admin"], "settings_member_role", {"role": "member"}, pk=membership.pk)
    event = _event("membership.role_changed", world["org"])
    assert event.actor == users["admin"]
    assert event.before["role"] == "viewer" and event.after["role"] == "member"


def test_creating_and_revoking_a_token(client, world, users):  # noqa: F811
    response = _post(
        client, users["admin"], "settings_tokens", {"name": "ServiceNow", "scopes": ["ingest"]}
    )
    token = ApiToken.objects.get(organisation=world["org"], name="ServiceNow")
    created = _event("api_token.created", world["org"])
    assert created.actor == users["admin"]
    assert "ServiceNow" in json.dumps(created.after)
    # The secret is shown once on the page, never written to the audit log.
    secret = [w for w in response.content.decode().split() if len(w) > 30 and "xmo" in w.lower()]
    for word in secret:
        assert word not in json.dumps(created.after)
    assert token.key_hash not in json.dumps(created.after)

    _post(client, users["admin"], "settings_token_revoke", {}, pk=token.pk)
    revoked = _event("api_token.revoked", world["org"])
    assert revoked.before != revoked.after


def test_editing_a_report_narrative(client, world, users):  # noqa: F811
    report, section = world["draft_report"], world["draft_section"]
    client.force_login(users["officer"])
    url = reverse("reports:edit", kwargs={"pk": report.pk})
    page = client.get(url)
    assert page.status_code == 200
    data = {
        f"s{section.pk}-title": section.title or "Summary",
        f"s{section.pk}-narrative": "Happiness rose after the VPN fix.",
        f"s{section.pk}-is_visible": "on",
    }
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    event = _event("report.section_updated", world["org"])
    assert event.actor == users["officer"]
    assert "Happiness rose after the VPN fix." in json.dumps(event.after)
    assert "Happiness rose after the VPN fix." not in json.dumps(event.before)


def test_the_audit_page_shows_before_and_after_to_admins_only(client, world, users):  # noqa: F811
    _post(
        client,
        users["admin"],
        "settings_member_role",
        {"role": "leader"},
        pk=world["membership"].pk,
    )
    client.force_login(users["admin"])
    html = client.get(reverse("settings_audit")).content.decode()
    assert "membership.role_changed" in html or "role" in html.lower()
    assert "viewer" in html and "leader" in html
    assert users["admin"].username in html
    for role in ("officer", "member", "leader", "service_owner", "viewer"):
        client.force_login(users[role])
        assert client.get(reverse("settings_audit")).status_code == 403, role
