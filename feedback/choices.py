from django.db import models
from django.utils.translation import gettext_lazy as _


class TagSource(models.TextChoices):
    MANUAL = "manual", _("Tagged by hand")
    RULE = "rule", _("Accepted suggestion")


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class RuleMatch(models.TextChoices):
    ANY_KEYWORD = "any", _("Any keyword (whole words)")
    PHRASE = "phrase", _("Any phrase (exact sequence)")


class FollowUpStatus(models.TextChoices):
    TODO = "todo", _("To contact")
    CONTACTED = "contacted", _("Contacted")
    DONE = "done", _("Done")
    NOT_NEEDED = "not_needed", _("Not needed")
