from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")


# A status inside a sentence ("The report is now in review"): lower case in English.
STATUS_WORDS = {
    ReportStatus.DRAFT: pgettext_lazy("report status in a sentence", "draft"),
    ReportStatus.IN_REVIEW: pgettext_lazy("report status in a sentence", "in review"),
    ReportStatus.PUBLISHED: pgettext_lazy("report status in a sentence", "published"),
}


def status_word(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))
