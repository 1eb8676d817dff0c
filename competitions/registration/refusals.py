"""What registration answers when it refuses, and the name check both sign-up forms share."""

from __future__ import annotations

import re

NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’\-.][^\W\d_]*)*$")


class RegistrationRefused(Exception):
    """A registration that cannot be accepted; ``errors`` maps a field (or ``"__all__"``)
    to the messages that say what to fix."""

    INVALID = "invalid"  # the request needs fixing
    UNAVAILABLE = "unavailable"  # full, closed, or already entered: the request was fine

    def __init__(self, errors: dict[str, list[str]], code: str = INVALID):
        self.errors = errors
        self.code = code
        super().__init__("; ".join(m for messages in errors.values() for m in messages))

    @classmethod
    def single(
        cls, message: str, field: str = "__all__", code: str = INVALID
    ) -> RegistrationRefused:
        return cls({field: [message]}, code=code)


def events_full(names: list[str]) -> RegistrationRefused:
    """The events named are full and keep no waiting list."""
    return RegistrationRefused.single(
        "Full, with no waiting list: " + ", ".join(f"“{n}”" for n in names) + ".",
        "events",
        code=RegistrationRefused.UNAVAILABLE,
    )


def capacity_reached(name: str, capacity: int | None) -> RegistrationRefused:
    return RegistrationRefused.single(
        f"{name} has reached its capacity of {capacity} entries.",
        code=RegistrationRefused.UNAVAILABLE,
    )


class RegistrationInvalid(RegistrationRefused):
    """The details or the choice of events need fixing: ``errors`` by field, as the
    forms and the API show them next to each field."""


class LinkRefused(RegistrationRefused):
    """The link is unknown or of the other kind (``invalid``), or revoked or expired
    (``gone``)."""

    GONE = "gone"


def check_name(value: str, field_name: str, label: str, errors: dict) -> None:
    value = value.strip()
    letters = sum(ch.isalpha() for ch in value)
    if not value:
        errors.setdefault(field_name, []).append(f"Enter the {label}.")
    elif len(value) > 100 or letters < 2 or not NAME_PATTERN.match(value):
        errors.setdefault(field_name, []).append(
            f"Enter the {label} as written on an entry form: letters, spaces, hyphens and "
            "apostrophes only, at most 100 characters."
        )
