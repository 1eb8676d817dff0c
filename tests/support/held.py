"""A transaction held open in another thread, for tests of what waits for what."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connections, transaction

T = TypeVar("T")


def hold_open(
    work: Callable[[], object],
    *,
    entered: threading.Event,
    release: threading.Event,
    outcomes: list,
) -> None:
    """Run ``work`` in a transaction that stays open until ``release`` is set (at most 20
    s); ``entered`` is set once ``work`` is done (or failed), and ``outcomes`` gets "held
    sheet committed" when the transaction commits. Meant as a thread's target: it closes
    the thread's connections."""
    try:
        with transaction.atomic():
            work()
            entered.set()
            release.wait(20)
        outcomes.append("held sheet committed")
    finally:
        entered.set()
        connections.close_all()


def while_held(held: Callable[[], object], then: Callable[[], T]) -> tuple[T, bool]:
    """Run ``then`` while ``held`` runs in a transaction of another thread that stays
    open until half a second after ``held`` is done: what ``then`` returns, and whether
    it returned only after the release (it waited for the held transaction)."""
    entered, release, outcomes = threading.Event(), threading.Event(), []
    holder = threading.Thread(
        target=hold_open,
        args=(held,),
        kwargs={"entered": entered, "release": release, "outcomes": outcomes},
    )
    holder.start()
    timer = threading.Timer(0.5, release.set)
    try:
        assert entered.wait(20)
        timer.start()
        found = then()
        waited = release.is_set()
    finally:
        release.set()
        timer.cancel()
        holder.join(30)
    assert outcomes == ["held sheet committed"]
    return found, waited


def from_another_connection(read: Callable[[], T]) -> T:
    """What ``read`` finds on a connection of its own (another thread's): what has been
    committed, not what the caller's transaction holds."""
    found = []

    def run():
        try:
            found.append(read())
        finally:
            connections.close_all()

    other = threading.Thread(target=run)
    other.start()
    other.join(30)
    return found[0]
