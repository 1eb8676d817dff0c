"""A small competition day for adjudication tests: one Latin event with two dances,
three judges, eight couples; a first round recalling six, then a final."""

import dataclasses
import itertools

from adjudication.services import SheetInput, round_entries, round_publish, sheet_submit
from competitions.models import Competition, Round
from competitions.registration import registration_close, registration_submit
from competitions.services import round_transition
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.factories.competitions import DanceFactory, JudgeFactory, PanelSeatFactory

_keys = itertools.count()


@dataclasses.dataclass
class Day:
    competition: Competition
    event: object
    dances: list
    judges: list
    first: Round
    final: Round

    def entries(self, round_=None):
        return [e for e in round_entries(round_ or self.first) if not e.withdrawn]

    def send(
        self,
        judge,
        dance,
        marks,
        *,
        round_=None,
        base_version=0,
        key=None,
        reason="",
        actor=None,
        source="tablet",
    ):
        round_ = round_ or self.first
        round_.refresh_from_db()
        return sheet_submit(
            data=SheetInput(
                round_id=round_.pk,
                judge_id=judge.pk,
                dance_id=dance.pk,
                marks=marks,
                client_key=key or f"key-{next(_keys)}",
                base_version=base_version,
                round_revision=round_.revision,
                reason=reason,
            ),
            actor=actor,
            source=source,
        )

    def crosses(self, picks):
        return {e.pk: 1 for e in picks}


def build_day(couples=8, judges=3, recall=6, dances=("Samba", "Rumba")):
    competition, link = open_competition()
    event = skating_event(competition, name="Adult Latin", max_per_heat=12)
    event.dances.all().delete()
    dances = [DanceFactory(event=event, name=n, position=i) for i, n in enumerate(dances, 1)]
    panel = [JudgeFactory(competition=competition, letter=chr(65 + i)) for i in range(judges)]
    for judge in panel:
        PanelSeatFactory(event=event, judge=judge)
    for n in range(couples):
        registration_submit(link=link, details=couple(n, club=f"Club {n}"), event_ids=[event.pk])
    first = Round.objects.create(event=event, position=1, kind="first", recall_count=recall)
    final = Round.objects.create(event=event, position=2, kind="final")
    registration_close(competition=competition, actor=None, seed=1)
    round_transition(round=first, to_status="open", actor=None)
    first.refresh_from_db()
    return Day(competition, event, dances, panel, first, final)


def all_recall_sheets(day, order=None):
    """Every judge crosses the first ``recall`` couples (by bib, or ``order``) in every dance."""
    entries = order or day.entries()
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, day.crosses(entries[: day.first.recall_count]))


def open_final(day):
    """Publish the recalls of the first round, then open the final."""
    day.first.refresh_from_db()
    if day.first.status == "closed":
        round_publish(round=day.first, actor=None)
    day.final.refresh_from_db()
    round_transition(round=day.final, to_status="open", actor=None)
    day.final.refresh_from_db()


__all__ = ["Day", "build_day", "all_recall_sheets", "open_final"]
