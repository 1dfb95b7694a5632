"""Training reminders are written in each member's language, with the date in its format."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from office.services import send_training_reminders
from tests.factories import MembershipFactory, TrainingItemFactory, UserFactory
from xmo.models import Notification, UserPreference
from xmo.notifying import send_notification_emails

from .helpers import NOW, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def members(org_a):
    """A German and an English officer with the same course due on the same day."""
    people = {}
    for username, language in (("greta", "de"), ("eddie", "en-gb")):
        user = UserFactory(username=username, email=f"{username}@example.org")
        membership = MembershipFactory(user=user, organisation=org_a, role="officer")
        UserPreference.objects.create(user=user, language=language)
        TrainingItemFactory(
            membership=membership, course="XLA design", due_on=datetime.date(2026, 11, 25)
        )
        people[language] = user
    return people


def test_a_due_course_is_announced_in_each_members_language(org_a, members):
    # The job's own language does not matter.
    with translation.override("de"):
        assert send_training_reminders(org_a, today=TODAY) == {"reminders": 2, "overdue": 0}
    german = Notification.objects.get(recipient=members["de"])
    english = Notification.objects.get(recipient=members["en-gb"])
    assert german.title == "Schulung fällig am 25. November 2026: XLA design"
    assert german.body == (
        "Markieren Sie die Schulung nach Abschluss auf der Office-Seite als erledigt, mit einem "
        "Link zum Nachweis."
    )
    assert english.title == "Training due 25 Nov 2026: XLA design"
    assert english.body == (
        "Mark it complete on the office page once done, with a link to the evidence."
    )
    send_notification_emails(org_a)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "greta@example.org": "[XMO] Schulung fällig am 25. November 2026: XLA design",
        "eddie@example.org": "[XMO] Training due 25 Nov 2026: XLA design",
    }


def test_an_overdue_course_is_announced_in_each_members_language(org_a, members):
    later = TODAY + datetime.timedelta(days=10)
    assert send_training_reminders(org_a, today=later) == {"reminders": 2, "overdue": 2}
    titles = {
        n.recipient.username: n.title for n in Notification.objects.select_related("recipient")
    }
    assert titles == {
        "greta": "Schulung überfällig seit 25. November 2026: XLA design",
        "eddie": "Training overdue since 25 Nov 2026: XLA design",
    }


def test_a_member_without_a_choice_reads_the_installations_language(org_a, users, settings):
    membership = users["officer"].memberships.get(organisation=org_a)
    TrainingItemFactory(membership=membership, course="Surveys", due_on=TODAY)
    send_training_reminders(org_a, today=TODAY)
    assert Notification.objects.get(recipient=users["officer"]).title == (
        "Training due 18 Nov 2026: Surveys"
    )
    settings.LANGUAGE_CODE = "de"
    Notification.objects.all().delete()
    send_training_reminders(org_a, today=TODAY)
    assert Notification.objects.get(recipient=users["officer"]).title == (
        "Schulung fällig am 18. November 2026: Surveys"
    )
