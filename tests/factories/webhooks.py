import datetime

import factory

from xmo.webhooks.models import WebhookDelivery, WebhookEndpoint
from xmo.webhooks.services import RETRY_WINDOW, generate_secret

from .xmo import OrganisationFactory

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = "https://hooks.example.test/xmo"
    events = factory.LazyFunction(lambda: ["breach.raised"])
    payload_format = "standard"
    secret = factory.LazyFunction(generate_secret)


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    organisation = factory.LazyAttribute(lambda d: d.endpoint.organisation)
    event = "breach.raised"
    message_id = factory.Sequence(lambda n: f"msg_test{n:06d}")
    dedupe_key = factory.Sequence(lambda n: f"breach.raised:test:{n}")
    payload = factory.LazyAttribute(
        lambda d: {
            "type": d.event,
            "timestamp": "2026-03-02T09:00:00Z",
            "data": {"id": 1, "title": "XLA breach: Happiness of Service desk"},
        }
    )
    created_at = T0
    next_attempt_at = T0
    retry_until = factory.LazyAttribute(lambda d: d.created_at + RETRY_WINDOW)
