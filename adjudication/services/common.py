"""What the sheet and round services share: the refusal they raise, the round's lock,
the permission check and the entries dancing in a round."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from accounts.models import User
from competitions.access import staff_can
from competitions.models import Entry, Round


class ScoringError(Exception):
    """A sheet or desk action refused, with a message for the person at the screen.

    ``code`` says what kind: ``invalid`` (fix the sheet), ``closed`` (the round does not
    take marks now), ``not_on_panel``, ``stale`` (the round was reopened since the
    sheet was loaded), ``conflict`` (changed on another device meanwhile), ``forbidden``.
    """

    def __init__(self, message: str, code: str = "invalid", problems: tuple[str, ...] = ()):
        self.message = message
        self.code = code
        self.problems = problems
        super().__init__(message if not problems else message + " " + " ".join(problems))


def decimal_value(value: Any, what: str) -> Decimal:
    """``value`` as a finite ``Decimal``, or a ``ScoringError`` naming ``what``."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ScoringError(f"{what}: “{value}” is not a number.") from None
    if not number.is_finite():
        raise ScoringError(f"{what}: “{value}” is not a number.")
    return number


def round_entries(round_: Round) -> list[Entry]:
    """The entries dancing in the round (every heat), withdrawn ones included."""
    return list(
        Entry.objects.filter(heat_entries__heat__round=round_)
        .select_related("competitor")
        .order_by("competitor__bib", "id")
        .distinct()
    )


def round_lock(round_id: int) -> Round:
    """The round, its row locked against every other change of the round until the
    transaction ends: closing, reopening, publishing and unlocking take this lock."""
    return (
        # of=("self",): lock the round only, not the event and competition joined in.
        Round.objects.select_for_update(no_key=True, of=("self",))
        .select_related("event__competition")
        .get(pk=round_id)
    )


def permission_require(actor: User, permission: str, what: str, competition_id: int) -> None:
    """Refuse (``forbidden``) unless ``actor`` holds ``permission`` for the competition."""
    if not staff_can(actor, permission, competition_id):
        raise ScoringError(f"You do not have permission to {what}.", "forbidden")
