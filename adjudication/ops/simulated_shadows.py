"""A simulated trainee for ``simulate --shadow``: one judge, "Trainee", seated in a
shadow seat of every event that has none yet, so the agreement report has a trainee to
show. Their sheets are sent like the panel's, seen less sharply (``TRAINEE_SKILL`` of the
panel's skill), and never count."""

from __future__ import annotations

from string import ascii_uppercase

from django.db import transaction

from competitions.models import Competition, Event, Judge, PanelSeat

TRAINEE_NAME = "Trainee (simulated)"
TRAINEE_SKILL = 0.75  # the trainee's skill as a share of the panel's


def _trainee(competition: Competition) -> Judge:
    found = Judge.objects.filter(competition=competition, name=TRAINEE_NAME).first()
    if found is not None:
        return found
    taken = set(Judge.objects.filter(competition=competition).values_list("letter", flat=True))
    letter = next(
        candidate
        for candidate in (
            "T",
            *(f"T{x}" for x in ascii_uppercase),
            *(f"TT{x}" for x in ascii_uppercase),
        )
        if candidate not in taken
    )
    return Judge.objects.create(competition=competition, letter=letter, name=TRAINEE_NAME)


@transaction.atomic
def shadow_seats_seat(competition: Competition) -> list[str]:
    """Seat the trainee in a shadow seat of each event of ``competition`` with no shadow
    seat and no seat of theirs (a run carried on seats nobody twice). Returns a line per
    seat made."""
    trainee = None
    lines = []
    for event in Event.objects.filter(competition=competition).order_by("position", "id"):
        if event.panel.filter(shadow=True).exists():
            continue
        trainee = trainee or _trainee(competition)
        if event.panel.filter(judge=trainee).exists():
            continue
        PanelSeat.objects.create(event=event, judge=trainee, shadow=True)
        lines.append(f"{event}: {trainee.name} ({trainee.letter}) in a shadow seat.")
    return lines
