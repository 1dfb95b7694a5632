"""E-mail for the embedded mode: each message saved under var/mail/, one log line each."""

from __future__ import annotations

import logging

from django.core.mail.backends import filebased

logger = logging.getLogger(__name__)


class FileEmailBackend(filebased.EmailBackend):
    """Django's file backend, which logs one line per message instead of printing its body."""

    def write_message(self, message):
        super().write_message(message)
        logger.info(
            "e-mail to %s: %s (saved in %s)",
            ", ".join(message.recipients()),
            message.subject,
            self._get_filename(),
        )
