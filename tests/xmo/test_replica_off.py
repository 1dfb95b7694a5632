"""Without DATABASE_REPLICA_URL the router and its middleware change nothing."""

import pytest
from django.db import router

from experience.models import Service
from tests.factories import MembershipFactory, UserFactory
from xmo import replica


def test_the_router_leaves_every_choice_to_django():
    with replica.reads():
        assert router.db_for_read(Service) == "default"
        assert replica.ReplicaRouter().db_for_read(Service) is None
        assert replica.ReplicaRouter().db_for_write(Service) is None
    assert replica.state() == "none"


@pytest.mark.django_db
def test_a_write_does_not_mark_the_session(client):
    user = UserFactory()
    MembershipFactory(user=user, role="member")
    client.force_login(user)
    assert client.post("/notifications/read-all/").status_code == 302
    assert replica.PIN_SESSION_KEY not in client.session
