"""Logging helpers: the secrets in registration addresses never reach a log."""

from __future__ import annotations

import logging
import re

# /register/<token>/, /registration/<reference>/, and the API's equivalents.
SECRET_IN_PATH = re.compile(
    r"(/(?:register|registration|registrations|judge-registration)/)[A-Za-z0-9_\-]{8,}"
)


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
