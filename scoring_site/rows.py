"""Rows read and written by statements written once, with models as a queryset has them.

The hot paths (a registration, a judge's sheet) read and write a few rows whose
statements cost more to compose with the ORM than to run (docs/benchmarks.md, "Cost
per request"). These helpers keep the ORM's meaning: columns named from the models'
fields, values read through the fields' and the backend's converters, values written
through ``get_db_prep_save``, and instances built with ``Model.from_db``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model, QuerySet


def _fields(model: type[Model], names: Sequence[str] | None) -> list[Field]:
    """The concrete fields named (attribute names; all when None), in the model's order,
    which is the order ``Model.from_db`` takes values in."""
    fields = model._meta.concrete_fields
    if names is None:
        return list(fields)
    chosen = [f for f in fields if f.attname in names]
    if len(chosen) != len(set(names)):
        raise ValueError(f"Not concrete fields of {model.__name__}: {names}")
    return chosen


def columns(alias: str, model: type[Model], names: Sequence[str] | None = None) -> str:
    """``alias."column", …`` for the fields ``names`` (attribute names; every concrete
    field when None) in the model's order, for the SELECT list of a statement: read the
    row back with ``from_row`` and the same names."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in _fields(model, names))


def _converters(model: type[Model], names: tuple[str, ...] | None) -> list[tuple[Any, list]]:
    """Each field's column and converters, kept on the connection (they are the
    connection's own)."""
    cache = connection.__dict__.setdefault("_podium_row_converters", {})
    key = (model, names)
    if key not in cache:
        found = []
        for field in _fields(model, names):
            column = field.get_col(model._meta.db_table)
            found.append(
                (
                    column,
                    connection.ops.get_db_converters(column) + column.get_db_converters(connection),
                )
            )
        cache[key] = found
    return cache[key]


def from_row(
    model: type[Model], values: Sequence[Any], names: Sequence[str] | None = None
) -> Model:
    """An instance of ``model`` from ``values`` read for ``names`` (every concrete field
    when None; the others are deferred), as a queryset builds it."""
    key = tuple(names) if names is not None else None
    db = _database()
    converted = []
    for (column, converters), value in zip(_converters(model, key), values, strict=True):
        for converter in converters:
            value = converter(value, column, db)
        converted.append(value)
    attnames = [f.attname for f in _fields(model, names)]
    return model.from_db(db.alias, attnames, converted)


def _database():
    """The connection itself, not ``connection``'s proxy, which looks it up again at
    each use (a context-local look-up): for the loops that prepare and convert values."""
    return connections[DEFAULT_DB_ALIAS]


def value(model: type[Model], name: str, raw: Any) -> Any:
    """``raw``, read for the field ``name`` of ``model``, as the ORM has it."""
    ((column, converters),) = _converters(model, (name,))
    for converter in converters:
        raw = converter(raw, column, connection)
    return raw


def insert_rows(
    model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[int]:
    """INSERT ``rows`` (values for the fields ``names``, attribute names, in that order)
    in one statement; their primary keys, in the rows' order. The fields' own
    preparation applies (``get_db_prep_save``), not their defaults: name every column to
    fill."""
    fields = [model._meta.get_field(name) for name in names]
    db = _database()
    prepared = [
        field.get_db_prep_save(value, db)
        for row in rows
        for field, value in zip(fields, row, strict=True)
    ]
    count = len(prepared) // len(fields)
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_insert_returning_sql(model, fields, count), prepared)
        return [row[0] for row in cursor.fetchall()]


def insert_instances(model: type[Model], names: Sequence[str], instances: Sequence[Model]):
    """``insert_rows`` for unsaved ``instances``: each gets its primary key and is marked
    saved, as ``bulk_create`` leaves them."""
    pks = insert_rows(model, names, ([getattr(i, n) for n in names] for i in instances))
    return saved(instances, pks)


def saved(instances: Sequence[Model], pks: Sequence[int]) -> Sequence[Model]:
    """``instances`` given the primary keys their rows were written with and marked saved,
    as ``bulk_create`` leaves them."""
    for instance, pk in zip(instances, pks, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias
    return instances


class _Parent:
    def __repr__(self) -> str:
        return "rows.PARENT"


# A child row's value for the parent row's primary key (``insert_values``).
PARENT = _Parent()

Rows = Sequence[Sequence[Any]]


def insert_values(
    inserts: Sequence[tuple[type[Model], Sequence[str], Rows]],
    *,
    parent: tuple[type[Model], Sequence[str], Sequence[Any]] | None = None,
    last: bool = False,
) -> int | None:
    """INSERT rows of several models, given as values: each ``(model, field names, rows)``
    with one value a field in each row (a foreign key's id), prepared as the ORM prepares
    them (``get_db_prep_save``), without building instances or reading ids back.

    ``parent``: one row (``(model, field names, values)``) inserted first; a value
    ``PARENT`` in the other rows is its primary key (a column holds it in every row or in
    none), which is returned. Name every column to fill: the fields' defaults do not
    apply.

    On PostgreSQL in one statement: the parent and every insert but the last in a
    ``WITH`` (each runs exactly once), each insert a ``SELECT`` from ``UNNEST`` of one
    array a column, cast to the column's type. On SQLite one insert after the other.

    ``last``: the transaction's last statement (``last_statement``)."""
    inserts = [(model, names, found) for model, names, found in inserts if found]
    if parent is None and any(v is PARENT for *_, found in inserts for row in found for v in row):
        raise ValueError("rows.PARENT without a parent row")
    if connection.vendor != "postgresql":
        parent_pk = insert_rows(parent[0], parent[1], [parent[2]])[0] if parent else None
        for model, names, found in inserts:
            attnames = [model._meta.get_field(name).attname for name in names]
            model.objects.bulk_create(
                model(
                    **{
                        n: parent_pk if v is PARENT else v
                        for n, v in zip(attnames, row, strict=True)
                    }
                )
                for row in found
            )
        return parent_pk
    statements, params = [], []
    parent_pk = connection.ops.quote_name(parent[0]._meta.pk.column) if parent else None
    if parent is not None:
        model, names, values = parent
        fields = [model._meta.get_field(name) for name in names]
        statements.append(_insert_returning_sql(model, fields, 1))
        db = _database()
        params.extend(f.get_db_prep_save(v, db) for f, v in zip(fields, values, strict=True))
    for model, names, found in inserts:
        sql, arrays = _insert_unnest(model, names, found, parent_pk)
        statements.append(sql)
        params.extend(arrays)
    if parent is not None:
        statements.append(f"SELECT {parent_pk} FROM inserted_0")  # nosec B608: a model's name
    *first, final = statements
    with_ = ", ".join(f"inserted_{n} AS ({sql})" for n, sql in enumerate(first))
    with connection.cursor() as cursor:
        with last_statement() if last else contextlib.nullcontext():
            cursor.execute(f"WITH {with_} {final}" if first else final, params)
        return cursor.fetchone()[0] if parent is not None else None


@contextlib.contextmanager
def last_statement() -> Iterator[None]:
    """Run what is inside as the transaction's last statements: in the outermost atomic
    block, which commits on leaving (PostgreSQL), they go with ``COMMIT`` in one round
    trip (psycopg's pipeline), and the block's own commit finds nothing left to do (its
    ``on_commit`` callbacks run as always). Read their rows after the ``with``, not
    inside it. Inside a savepoint or a transaction opened by hand, and on SQLite, they
    run as any statement. A refusal, of a statement or of ``COMMIT`` (a deferred
    constraint), is raised as Django raises it: a ``DatabaseError`` whose ``__cause__``
    is psycopg's."""
    if connection.vendor != "postgresql" or not _outermost():
        yield
        return
    database = connection.connection
    with connection.wrap_database_errors, database.pipeline():
        yield
        # As a statement: psycopg's commit() waits for it inside a pipeline, and the
        # pipeline's end would wait once more. The connection's state is the server's.
        database.execute("COMMIT", prepare=False)


def _outermost() -> bool:
    """Whether the connection is in its outermost atomic block, which commits on
    leaving."""
    return (
        len(connection.atomic_blocks) == 1
        and connection.commit_on_exit  # not a transaction its caller opened by hand
        and not connection.savepoint_ids
        and not connection.needs_rollback
    )


def _table_columns(model: type[Model], fields: Sequence[Field]) -> str:
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"


def _insert_returning_sql(model: type[Model], fields: Sequence[Field], count: int) -> str:
    """INSERT of ``count`` rows of ``fields`` (one parameter a value), returning their keys."""
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return (
        f"INSERT INTO {_table_columns(model, fields)} "  # nosec B608: the model's own names
        f"VALUES {', '.join([one] * count)} "
        f"RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    )


def _insert_unnest(
    model: type[Model], names: Sequence[str], found: Rows, parent_pk: str | None
) -> tuple[str, list[Any]]:
    """An INSERT of ``found`` from one array a column (PostgreSQL). A column whose values
    are all ``PARENT`` takes the parent's key from ``inserted_0``; one whose rows all hold
    the same value (the same object, or an equal whole number, string, boolean or None)
    sends that value once, unless every column would."""
    shapes = [_column_shape(found, i) for i in range(len(names))]
    if None in shapes:
        index = shapes.index(None)
        raise ValueError(f"{model.__name__}.{names[index]}: rows.PARENT in some rows only")
    if _EACH not in shapes and _ONE in shapes:
        shapes[shapes.index(_ONE)] = _EACH  # the array that says how many rows
    sql, fields = _unnest_sql(model, tuple(names), tuple(shapes), parent_pk)
    first, db = found[0], _database()
    ones = [
        field.get_db_prep_save(first[i], db) for i, field in enumerate(fields) if shapes[i] == _ONE
    ]
    arrays = [
        [field.get_db_prep_save(row[i], db) for row in found]
        for i, field in enumerate(fields)
        if shapes[i] == _EACH
    ]
    return sql, ones + arrays  # the statement's order: the select list, then UNNEST


_EACH, _ONE, _PARENT = "each", "one", "parent"
_PLAIN = (int, str, bool, type(None))


def _column_shape(found: Rows, index: int) -> str | None:
    """How column ``index`` of ``found`` is sent: an array (``_EACH``), one value for
    every row (``_ONE``), the parent's key (``_PARENT``), or None: ``PARENT`` in some
    rows only."""
    first = found[0][index]
    if first is PARENT or any(row[index] is PARENT for row in found):
        return _PARENT if all(row[index] is PARENT for row in found) else None
    plain = type(first) in _PLAIN
    for row in found:
        value = row[index]
        if value is not first and not (plain and type(value) is type(first) and value == first):
            return _EACH
    return _ONE


_UNNEST_SQL: dict[tuple, tuple[str, list[Field]]] = {}  # PostgreSQL's only


def _unnest_sql(
    model: type[Model], names: tuple[str, ...], shapes: tuple[str, ...], parent_pk: str | None
) -> tuple[str, list[Field]]:
    """``_insert_unnest``'s statement and fields, composed once per shape and process."""
    cache = _UNNEST_SQL
    key = (model, names, shapes, parent_pk)
    if key not in cache:
        fields = [model._meta.get_field(name) for name in names]
        selected, casts = [], []
        for field, shape in zip(fields, shapes, strict=True):
            if shape == _PARENT:
                selected.append(f"(SELECT {parent_pk} FROM inserted_0)")  # nosec B608: a column
            elif shape == _ONE:
                selected.append(f"%s::{field.db_type(connection)}")
            else:
                selected.append(f"u.c{len(casts)}")
                casts.append(f"%s::{field.db_type(connection)}[]")
        aliases = ", ".join(f"c{n}" for n in range(len(casts)))
        sql = (
            f"INSERT INTO {_table_columns(model, fields)} "  # nosec B608: the models' names
            f"SELECT {', '.join(selected)} FROM UNNEST({', '.join(casts)}) AS u({aliases})"
        )
        cache[key] = (sql, fields)
    return cache[key]


class Compiled:
    """A query whose SQL the ORM composes once per process and backend, then run with new
    values: for a hot path's read whose shape never changes, only its values.

    ``build`` takes the values by name (``names``) and returns the queryset. It is
    compiled twice with two sets of stand-in numbers: the SQL must come out the same, and
    each parameter that differs between the two is the slot of the value it stood for;
    the others are the query's own constants. The values must be integers the ORM passes
    through unchanged (ids and positions), and the queryset must not change its shape
    with them (``ValueError`` otherwise). Read the rows with ``read_batch``."""

    _STAND_INS = (30011, 30103)  # within a small integer column's range: see _compile

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self.build = build
        self.names = names
        self._compiled: dict[str, tuple[str, list[Any]]] = {}

    def statement(self, **values: int) -> tuple[str, list[Any]]:
        """The SQL and its parameters for ``values``."""
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile()
        sql, slots = compiled
        return sql, [values[s.name] if isinstance(s, _Slot) else s for s in slots]

    def _compile(self) -> tuple[str, list[Any]]:
        # Stand-ins out of a column's range would be folded away by Django's lookups on
        # integer fields (no SQL for an id that cannot exist), hence small ones.
        compiled = []
        for base in self._STAND_INS:
            stand_ins = {name: base + 2 * n for n, name in enumerate(self.names)}
            query = self.build(**stand_ins).query
            sql, params = query.get_compiler(connection=connection).as_sql()
            compiled.append((sql, list(params), {v: k for k, v in stand_ins.items()}))
        (sql, first, names_a), (sql_b, second, names_b) = compiled
        if sql != sql_b or len(first) != len(second):
            raise ValueError(f"{self.build}: the query's shape changes with its values")
        slots: list[Any] = []
        for a, b in zip(first, second, strict=True):
            if a == b:
                slots.append(a)
            elif a in names_a and names_a[a] == names_b.get(b):
                slots.append(_Slot(names_a[a]))
            else:
                raise ValueError(f"{self.build}: a value is changed on its way into the query")
        missing = set(self.names) - {s.name for s in slots if isinstance(s, _Slot)}
        if missing:
            raise ValueError(f"{self.build}: not in the query's parameters: {sorted(missing)}")
        return sql, slots


@dataclasses.dataclass(frozen=True, slots=True)
class _Slot:
    name: str


def read_batch(statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple]]:
    """The rows of each statement, in order. On PostgreSQL in one round trip (psycopg's
    pipeline mode: each statement still sees what committed before it began, as it would
    alone, and each is prepared like any other); on SQLite one after the other."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            found = []
            for sql, params in statements:
                cursor.execute(sql, params)
                found.append(cursor.fetchall())
            return found
    with contextlib.ExitStack() as stack:
        cursors = [stack.enter_context(connection.cursor()) for _ in statements]
        with connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        return [cursor.fetchall() for cursor in cursors]
