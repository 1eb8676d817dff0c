"""Logging helpers: the secrets in registration addresses never reach a log, and
``LOG_FORMAT=json`` writes one JSON object a line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
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


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, process,
    and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
