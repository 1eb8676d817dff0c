"""What the sheet and round services share: the refusal they raise, the round's locks,
the permission check and the entries dancing in a round."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection

from accounts.models import User
from competitions.access import staff_can
from competitions.models import Dance, Entry, Event, Round, RoundStatus
from scoring_site import rows


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


def plain_number(number: Decimal) -> str:
    """10.00 as "10", 0.50 as "0.5"."""
    return f"{number.normalize():f}"


def scale_problem(label: str, value: Decimal, scale: Any, outside: str) -> str | None:
    """What is wrong with ``value`` on ``scale`` (a criterion or a component: its
    ``min_score``, ``max_score`` and ``step``), or None; ``outside`` words a value out of
    its range."""
    if not scale.min_score <= value <= scale.max_score:
        low, high = plain_number(scale.min_score), plain_number(scale.max_score)
        return f"{label}: {plain_number(value)} {outside} {low}–{high}."
    if (value - scale.min_score) % scale.step:
        return f"{label}: use steps of {plain_number(scale.step)}."
    return None


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


_SHARED = {"r": Round, "e": Event, "d": Dance}


# How ``round_share``'s statement ends on PostgreSQL: the round's row held in SHARE mode.
ROUND_SHARE_LOCK = " FOR SHARE OF r"


@functools.cache
def _round_share_sql(vendor: str) -> str:
    """``round_share``'s statement, composed once: every sheet sent reads it."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{alias}.{quote(field.column)}"
        for alias, model in _SHARED.items()
        for field in model._meta.concrete_fields
    )
    event_of = {alias: quote(model._meta.get_field("event").column) for alias, model in
                (("r", Round), ("d", Dance))}  # fmt: skip
    sql = (
        f"SELECT {columns} FROM {quote(Round._meta.db_table)} r "  # nosec B608: models' names
        f"INNER JOIN {quote(Event._meta.db_table)} e ON e.id = r.{event_of['r']} "
        f"LEFT JOIN {quote(Dance._meta.db_table)} d ON d.id = %s AND d.{event_of['d']} = e.id "
        "WHERE r.id = %s AND r.status <> %s"
    )
    return sql + (ROUND_SHARE_LOCK if vendor == "postgresql" else "")


def round_share(round_id: int, *, dance_id: int | None = None) -> tuple[Round, Dance | None] | None:
    """The round unless it is closed, with its event and the event's dance ``dance_id``
    (None if there is no such dance), in one statement that holds the round's row in
    SHARE mode until the transaction ends; None when the round is closed or does not
    exist (a correction of a closed round takes ``round_lock`` instead).

    Sheets of one round go in side by side (15 judges send at once), while closing,
    reopening or publishing the round (``round_lock``) waits for the sheets under way,
    and a sheet sent meanwhile waits for that and then sees the round's new state (read
    committed re-reads the row, and a closed round is then not returned). Two devices
    sending the same sheet still meet on the sheet's row lock or its unique constraint.
    Never a share lock first and ``round_lock`` after: two corrections upgrading their
    share locks would deadlock. Django has no FOR SHARE, hence the statement of its own;
    SQLite runs one writing transaction at a time (BEGIN IMMEDIATE), so there is nothing
    to take.
    """
    with connection.cursor() as cursor:
        cursor.execute(*round_share_statement(round_id, dance_id=dance_id))
        return round_shared(cursor.fetchone())


def round_share_statement(round_id: int, *, dance_id: int | None = None) -> tuple[str, list]:
    """``round_share``'s statement and parameters, to send with others (``rows.read_batch``):
    read its row with ``round_shared``."""
    return _round_share_sql(connection.vendor), [dance_id, round_id, RoundStatus.CLOSED]


def round_shared(row: Sequence[Any] | None) -> tuple[Round, Dance | None] | None:
    """``round_share``'s answer from its statement's row (None: none)."""
    if row is None:
        return None
    built, start = [], 0
    for model in _SHARED.values():
        end = start + len(model._meta.concrete_fields)
        built.append(rows.from_row(model, row[start:end]))
        start = end
    round_, event, dance = built
    round_.event = event
    return round_, (dance if dance.pk is not None else None)


def permission_require(actor: User, permission: str, what: str, competition_id: int) -> None:
    """Refuse (``forbidden``) unless ``actor`` holds ``permission`` for the competition."""
    if not staff_can(actor, permission, competition_id):
        raise ScoringError(f"You do not have permission to {what}.", "forbidden")
