"""One consistent view of the data for reads that take several queries.

Exports, backups, recompute and verify read a competition table by table while sheets
keep arriving. Under READ COMMITTED each statement sees its own moment, so a mark
could be read without its sheet, or a round's results from before a reopening with
its marks from after. ``read_snapshot()`` runs the reads in one transaction: on
PostgreSQL REPEATABLE READ READ ONLY (one snapshot for every statement, and no write
can slip in); on SQLite the transaction itself (BEGIN IMMEDIATE) holds writers off.
Inside an outer transaction (tests, a caller's atomic block) it joins it as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def read_snapshot() -> Iterator[None]:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
