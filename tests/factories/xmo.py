import factory
from django.contrib.auth import get_user_model

from xmo import models

TEST_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    time_zone = "Europe/London"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "viewer"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """Use `ApiTokenFactory.create_with_key(...)` to get the raw key too."""

    class Meta:
        model = models.ApiToken

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"token-{n}")
    key_prefix = "xmo_test"
    key_hash = factory.Sequence(lambda n: f"{n:064d}")
    scopes = factory.LazyFunction(lambda: ["ingest", "read"])

    @classmethod
    def create_with_key(cls, **kwargs):
        raw = models.ApiToken.generate_key()
        token = cls.create(key_hash=models.ApiToken.hash_key(raw), key_prefix=raw[:8], **kwargs)
        return token, raw


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AuditEvent

    organisation = factory.SubFactory(OrganisationFactory)
    action = "thing.changed"
    object_type = "xmo.thing"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Notification

    organisation = factory.SubFactory(OrganisationFactory)
    recipient = factory.SubFactory(UserFactory)
    kind = "info"
    title = "Something happened"
    dedupe_key = factory.Sequence(lambda n: f"note-{n}")


def prefer_language(user, language: str):
    """Give the person a language preference (as the preferences page saves it); returns them."""
    models.UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    return user
