"""What the sheet and round services share: the refusal they raise, the round's locks,
the permission check, the entries dancing in a round and rows inserted as values."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.sql import InsertQuery

from accounts.models import User
from competitions.access import staff_can
from competitions.models import Dance, Entry, Event, Round, RoundStatus


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
    quote = connection.ops.quote_name
    tables = {"r": Round, "e": Event, "d": Dance}
    columns = ", ".join(
        f"{alias}.{quote(field.column)}"
        for alias, model in tables.items()
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
    if connection.vendor == "postgresql":
        sql += " FOR SHARE OF r"
    with connection.cursor() as cursor:
        cursor.execute(sql, [dance_id, round_id, RoundStatus.CLOSED])
        row = cursor.fetchone()
    if row is None:
        return None
    built, start = [], 0
    for model in tables.values():
        end = start + len(model._meta.concrete_fields)
        built.append(_from_row(model, row[start:end]))
        start = end
    round_, event, dance = built
    round_.event = event
    return round_, (dance if dance.pk is not None else None)


def _from_row(model: type[Model], values: Sequence[Any]) -> Model:
    """An instance of ``model`` from ``values`` (one per concrete field), as a queryset
    builds it: the fields' and the backend's converters applied."""
    fields = model._meta.concrete_fields
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def rows_insert(inserts: Sequence[tuple[type[Model], Sequence[str], Sequence[Sequence[Any]]]]):
    """Insert rows of several models, given as values: each ``(model, field names, rows)``
    with one value a field in each row (a foreign key's id), without building instances
    or reading ids back.

    On PostgreSQL in one statement, every insert but the last in a ``WITH`` (each runs
    exactly once); each insert is Django's own ``bulk_create`` SQL (``UNNEST`` of one
    array a column, or ``VALUES`` for one row), so the values are prepared and cast as
    the ORM does. On SQLite, ``bulk_create`` of each model in turn."""
    inserts = [(model, names, rows) for model, names, rows in inserts if rows]
    if not inserts:
        return
    if connection.vendor != "postgresql":
        for model, names, rows in inserts:
            attnames = [model._meta.get_field(name).attname for name in names]
            model.objects.bulk_create(
                model(**dict(zip(attnames, row, strict=True))) for row in rows
            )
        return
    quote = connection.ops.quote_name
    statements, params = [], []
    for model, names, rows in inserts:
        fields = [model._meta.get_field(name) for name in names]
        prepared = [
            [
                field.get_db_prep_save(value, connection)
                for field, value in zip(fields, row, strict=True)
            ]
            for row in rows
        ]
        compiler = InsertQuery(model).get_compiler(connection=connection)
        placeholders, param_rows = compiler.assemble_as_sql(fields, prepared)
        columns = ", ".join(quote(field.column) for field in fields)
        statements.append(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # nosec B608: models' names
            + connection.ops.bulk_insert_sql(fields, placeholders)
        )
        params.extend(param for row in param_rows for param in row)
    *first, last = statements
    with_ = ", ".join(f"inserted_{n} AS ({sql})" for n, sql in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {with_} {last}" if first else last, params)


def permission_require(actor: User, permission: str, what: str, competition_id: int) -> None:
    """Refuse (``forbidden``) unless ``actor`` holds ``permission`` for the competition."""
    if not staff_can(actor, permission, competition_id):
        raise ScoringError(f"You do not have permission to {what}.", "forbidden")
