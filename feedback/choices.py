from django.db import models


class TagSource(models.TextChoices):
    MANUAL = "manual", "Tagged by hand"
    RULE = "rule", "Accepted suggestion"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class RuleMatch(models.TextChoices):
    ANY_KEYWORD = "any", "Any keyword (whole words)"
    PHRASE = "phrase", "Any phrase (exact sequence)"


class FollowUpStatus(models.TextChoices):
    TODO = "todo", "To contact"
    CONTACTED = "contacted", "Contacted"
    DONE = "done", "Done"
    NOT_NEEDED = "not_needed", "Not needed"
