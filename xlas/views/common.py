"""What the XLA pages share."""

from django.core.exceptions import ValidationError

PAGE_SIZE = 25
HISTORY_ROWS = 24


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)
