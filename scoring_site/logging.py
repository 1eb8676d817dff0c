"""Logging helpers: the secrets in registration addresses and tablet sign-in links
never reach a log, and ``LOG_FORMAT=json`` writes one JSON object a line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import os
import re

# /register/<token>/, /registration/<reference>/, and the API's equivalents.
SECRET_IN_PATH = re.compile(
    r"(/(?:register|registration|registrations|judge-registration)/)[A-Za-z0-9_\-]{8,}"
)
# The desk's tablet sign-in link: /tablet/sign-in/<slug>/<letter>/?code=<one-time code>.
SECRET_IN_QUERY = re.compile(r"([?&]code=)[^&\s\"']+")


def redact(text: str) -> str:
    return SECRET_IN_QUERY.sub(r"\1[redacted]", SECRET_IN_PATH.sub(r"\1[redacted]", text))


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a record that cannot format is its handler's to report
        return
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def configure(config: dict) -> None:
    """Django's LOGGING_CONFIG: ``dictConfig``, and every record redacted as it is made,
    so no handler sees a secret: access logs (Daphne's, uvicorn's with their own
    handlers), Python's last-resort handler, and pytest's capture alike."""
    logging.config.dictConfig(config)
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    factory.redacts = True
    logging.setLogRecordFactory(factory)


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
