"""Rounds to ask "what if" about: a final whose second and third places one judge's
sheet decides, a first round with two couples near the cut-off, a criteria final."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from adjudication.services import SheetInput, round_close, round_publish, sheet_submit
from competitions.models import Competition
from competitions.services import round_draw_heats, round_transition
from tests.adjudication.day import build_day, open_final
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
    SoloCompetitorFactory,
)

# Judges A, B, C place the six finalists (in bib order f0..f5) so in every dance but for
# C, who puts f2 second and f1 third: f1 has two 2nds (A, B), a majority of three.
STORED = {"A": [1, 2, 3, 4, 5, 6], "B": [1, 2, 3, 4, 5, 6], "C": [1, 3, 2, 4, 5, 6]}


def closed_final(dances=("Samba",)):
    """The first round recalls six (bib order), the final is closed with ``STORED``
    in the first dance and every judge in bib order in the others."""
    day = build_day(dances=dances)
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, day.crosses(day.entries()[:6]))
    round_close(round=day.first, actor=None, seed=3)
    open_final(day)
    finalists = sorted(day.entries(day.final), key=lambda e: e.competitor.bib)
    for judge in day.judges:
        for number, dance in enumerate(day.dances):
            places = STORED[judge.letter] if number == 0 else [1, 2, 3, 4, 5, 6]
            marks = {e.pk: place for e, place in zip(finalists, places, strict=True)}
            day.send(judge, dance, marks, round_=day.final)
    round_close(round=day.final, actor=None)
    day.final.refresh_from_db()
    return day, [e.bib_label for e in finalists]


# Recall six of eight (r0..r7 in bib order). Every judge crosses r0..r4 in both dances;
# r5 gets A's and B's crosses in both dances (4), r6 C's (2): r5 is recalled, r6 not.
def closed_first_round():
    day = build_day()
    entries = day.entries()
    top, r5, r6 = entries[:5], entries[5], entries[6]
    for judge in day.judges:
        for dance in day.dances:
            sixth = r6 if judge.letter == "C" else r5
            day.send(judge, dance, day.crosses([*top, sixth]))
    round_close(round=day.first, actor=None, seed=3)
    day.first.refresh_from_db()
    return day, [e.bib_label for e in entries]


def swap_cross(letter, dance, out, into):
    """One judge's recall sheet with ``out``'s cross moved to ``into``: two changes."""
    return [
        {"judge": letter, "dance": dance, "couple": out, "value": "0"},
        {"judge": letter, "dance": dance, "couple": into, "value": "1"},
    ]


def closed_pageant():
    """Three solo entries scored by A and B on Gown (0-10, steps of 0.5, weight 1) and
    Talent (weight 2): e0 wins, e1 second with 24.5, e2 third with 24."""
    event = CriteriaEventFactory()
    for status in ("registration_open", "registration_closed"):
        Competition.objects.filter(pk=event.competition_id).update(status=status)
    gown = CriterionFactory(event=event, name="Gown", weight=Decimal("1"), step=Decimal("0.5"))
    talent = CriterionFactory(event=event, name="Talent", weight=Decimal("2"), step=Decimal("0.5"))
    entries = [
        EntryFactory(event=event, competitor=SoloCompetitorFactory(competition=event.competition))
        for _ in range(3)
    ]
    judges = [JudgeFactory(competition=event.competition, letter=letter) for letter in "AB"]
    for judge in judges:
        PanelSeatFactory(event=event, judge=judge)
    final = RoundFactory(event=event, kind="final", position=1)
    round_draw_heats(round=final, heat_count=1, seed=1)
    round_transition(round=final, to_status="open", actor=None)
    final.refresh_from_db()
    scores = {0: ("9", "9"), 1: ("8.5", "8"), 2: ("8", "8")}
    for judge in judges:
        for number, entry in enumerate(entries):
            gown_score, talent_score = scores[number]
            sheet_submit(
                data=SheetInput(
                    round_id=final.pk,
                    judge_id=judge.pk,
                    entry_id=entry.pk,
                    marks={gown.pk: gown_score, talent.pk: talent_score},
                    client_key=f"{judge.pk}-{entry.pk}",
                    base_version=0,
                    round_revision=final.revision,
                ),
                actor=None,
            )
    round_close(round=final, actor=None)
    final.refresh_from_db()
    return final, [e.bib_label for e in entries]


def what_if_url(round_):
    return reverse("api:desk-round-what-if", args=[round_.pk])


def page_url(round_):
    return reverse("adjudication:desk-what-if", args=[round_.pk])


__all__ = [
    "closed_final",
    "closed_first_round",
    "closed_pageant",
    "page_url",
    "round_publish",
    "swap_cross",
    "what_if_url",
]
