"""Counting the waits for PostgreSQL: libpq's protocol trace of the test's connection.

Statements are not round trips: psycopg's pipeline sends several and waits once. Each
wait ends with the server's ReadyForQuery, which libpq's trace records, one per Sync
(pipelined or not) or simple query."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator

from django.db import connection
from psycopg import pq


class Count:
    def __init__(self) -> None:
        self.round_trips = 0
        self.messages: list[str] = []

    def statements_per_round_trip(self) -> list[int]:
        """How many statements the client sent before each wait."""
        counts, sent = [], 0
        for line in self.messages:
            fields = line.split("\t")
            if len(fields) < 3:  # the rest of a statement written on several lines
                continue
            side, _, kind = fields[:3]
            if side == "F" and kind in ("Execute", "Query"):
                sent += 1
            if side == "F" and kind in ("Sync", "Query"):
                counts.append(sent)
                sent = 0
        return counts


@contextlib.contextmanager
def round_trips() -> Iterator[Count]:
    """The round trips the default connection makes inside the block (PostgreSQL only)."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    count = Count()
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield count
        finally:
            pgconn.untrace()
            trace.seek(0)
            count.messages = trace.read().splitlines()
            count.round_trips = sum(
                1 for line in count.messages if line.split("\t")[:3:2] == ["B", "ReadyForQuery"]
            )
