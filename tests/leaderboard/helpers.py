"""Competitions for the live screens' tests: the adjudication day (a skating event) and
a small pageant (a criteria event), built without live announcements."""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation
from typing import Any

from adjudication.services import SheetInput, round_close, sheet_submit
from competitions.models import Competition
from competitions.services import round_draw_heats, round_transition
from leaderboard import deltas
from leaderboard.broadcast import relays
from scoring_site import realtime
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
    SoloCompetitorFactory,
)


@contextlib.contextmanager
def quiet():
    """No live announcements while a test sets up: the relay's background thread would
    otherwise read the test database while it is being written. The setup's nudges are
    sent before the test goes on (a socket joining later does not hear them)."""
    saved = realtime._listeners[:]
    realtime._listeners.clear()
    try:
        yield
    finally:
        relays.drain_background()
        realtime._listeners[:] = saved


MARKS = {Decimal("7.5"), Decimal("9.5"), Decimal("26.5")}
"""The marks the ``Pageant`` tests give (7.5 and 9.5) and the weighted total they make (26.5)."""


def followed(messages: list[dict]) -> list[dict]:
    """One socket's messages as its screen reads them: each delta rebuilt into the push
    it stands for, on the push before it (which it must name as its base)."""
    whole: list[dict] = []
    for message in messages:
        if message["type"] == "delta":
            before = whole[-1]
            assert (before["type"], before["seq"]) == ("update", message["base"])
            message = deltas.apply(before, message)
        whole.append(message)
    return whole


def json_strings(document: Any) -> set[str]:
    """Every key and every string value of a parsed JSON document."""
    if isinstance(document, dict):
        return set(document).union(*(json_strings(v) for v in document.values()))
    if isinstance(document, list):
        return set().union(*(json_strings(v) for v in document))
    return {document} if isinstance(document, str) else set()


def json_numbers(document: Any) -> set[Decimal]:
    """Every value of a parsed JSON document that reads as a number (``7.5`` or ``"7.5"``).

    Compare these, not substrings of the JSON text: a timestamp's digits may hold any."""
    if isinstance(document, dict):
        return set().union(*(json_numbers(v) for v in document.values()))
    if isinstance(document, list):
        return set().union(*(json_numbers(v) for v in document))
    if isinstance(document, bool) or not isinstance(document, (int, float, str)):
        return set()
    try:
        return {Decimal(str(document))}
    except InvalidOperation:
        return set()


def quiet_day(**kwargs):
    with quiet():
        return build_day(**kwargs)


def published_first_round(day):
    """Every recall sheet in, the first round closed, published, and the final opened."""
    with quiet():
        all_recall_sheets(day)
        round_close(round=day.first, actor=None, seed=3)
        open_final(day)
    return day


class Pageant:
    def __init__(self, reveal="published", entries=3):
        with quiet():
            self.event = CriteriaEventFactory(results_reveal=reveal)
            self.competition = self.event.competition
            for status in ("registration_open", "registration_closed"):
                Competition.objects.filter(pk=self.competition.pk).update(status=status)
            self.gown = CriterionFactory(event=self.event, name="Gown", weight=Decimal("1"))
            self.talent = CriterionFactory(event=self.event, name="Talent", weight=Decimal("2"))
            self.entries = [
                EntryFactory(
                    event=self.event,
                    competitor=SoloCompetitorFactory(competition=self.competition),
                )
                for _ in range(entries)
            ]
            self.judges = [
                JudgeFactory(competition=self.competition, letter=letter) for letter in "AB"
            ]
            for judge in self.judges:
                PanelSeatFactory(event=self.event, judge=judge)
            self.final = RoundFactory(event=self.event, kind="final", position=1)
            round_draw_heats(round=self.final, heat_count=1, seed=1)
            round_transition(round=self.final, to_status="open", actor=None)
            self.final.refresh_from_db()

    def score(self, judge, entry, gown, talent):
        return sheet_submit(
            data=SheetInput(
                round_id=self.final.pk,
                judge_id=judge.pk,
                entry_id=entry.pk,
                marks={self.gown.pk: gown, self.talent.pk: talent},
                client_key=f"{judge.pk}-{entry.pk}",
                base_version=0,
                round_revision=self.final.revision,
            ),
            actor=None,
        )


__all__ = ["Pageant", "published_first_round", "quiet", "quiet_day"]
