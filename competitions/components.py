"""Which components each judge of a component event scores in a round's dance: every
component, the event's fixed allocation, or one drawn for each dance when the round opens
(``Event.component_allocation``; ``docs/tabulation.md``, "Component scoring").

A replacement judge scores what the judge they replaced was allocated. A shadow (trainee)
seat is allocated like the others (every component; its own fixed rows; a draw of its own
that leaves the counting panel's draw as it would be without it) and never counts, so it
is in an allocation only when asked for (``shadows=True``: the tablet and its checks).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence

from django.db import transaction

from competitions.models import (
    AllocationMode,
    ComponentAllocation,
    Criterion,
    Dance,
    Judge,
    Round,
)
from competitions.selectors import round_panel_seats


def event_components(round_: Round) -> list[Criterion]:
    return list(Criterion.objects.filter(event_id=round_.event_id).order_by("position", "id"))


def round_allocation(
    round_: Round, *, shadows: bool = False
) -> dict[int, dict[int, list[Criterion]]]:
    """Dance id → judge id → the components that judge of the round's panel (and with
    ``shadows`` its shadow seats) scores in that dance (in the event's order). Empty lists
    where nothing is allocated."""
    event = round_.event
    components = event_components(round_)
    dances = list(Dance.objects.filter(event=event).order_by("position", "id"))
    seats = list(round_panel_seats(round_))
    if shadows:
        seats += list(round_panel_seats(round_, shadows=True))
    # A replacement scores what the seat it took over was allocated.
    source = {s.judge_id: (s.replaces.judge_id if s.replaces_id else s.judge_id) for s in seats}
    if event.component_allocation == AllocationMode.EVERY_JUDGE:
        return {d.pk: {j: list(components) for j in source} for d in dances}
    rows = ComponentAllocation.objects.filter(event=event)
    if event.component_allocation == AllocationMode.FIXED:
        rows = rows.filter(round__isnull=True)
    else:
        rows = rows.filter(round=round_)
    given: dict[tuple[int | None, int], set[int]] = {}
    for row in rows:
        given.setdefault((row.dance_id, row.judge_id), set()).add(row.criterion_id)
    out: dict[int, dict[int, list[Criterion]]] = {}
    for dance in dances:
        key_dance = None if event.component_allocation == AllocationMode.FIXED else dance.pk
        out[dance.pk] = {
            judge: [
                c
                for c in components
                if c.pk in given.get((key_dance, own), set()) | given.get((key_dance, judge), set())
            ]
            for judge, own in source.items()
        }
    return out


def allocation_problems(round_: Round) -> list[str]:
    """Why the round cannot be scored as allocated: a dance whose component nobody scores."""
    if not round_.event.is_components:
        return []
    components = event_components(round_)
    if not components:
        return [f"“{round_.event.name}” has no components"]
    if round_.event.component_allocation == AllocationMode.RANDOM:
        return []  # drawn as the round opens, every component to someone
    names = {d.pk: d.name for d in Dance.objects.filter(event=round_.event)}
    problems = []
    for dance_id, judges in round_allocation(round_).items():
        scored = {c.pk for cs in judges.values() for c in cs}
        problems += [
            f"no judge scores {c.name} in {names[dance_id]}"
            for c in components
            if c.pk not in scored
        ]
    return problems


def deal(
    judges: Sequence[int], components: Sequence[int], rng: random.Random
) -> dict[int, list[int]]:
    """One dance's draw: the judges in a random order, dealt the components in turn, so
    each component gets as many judges as can be (12 judges, 4 components: 3 each); with
    fewer judges than components, each judge takes several."""
    order = list(judges)
    rng.shuffle(order)
    dealt: dict[int, list[int]] = {j: [] for j in order}
    if not order:
        return dealt
    for i in range(max(len(order), len(components))):
        dealt[order[i % len(order)]].append(components[i % len(components)])
    return {j: sorted(set(cs), key=list(components).index) for j, cs in dealt.items()}


def _shadow_deal(
    panel: Sequence[int], shadows: Sequence[int], components: Sequence[int], rng: random.Random
) -> dict[int, list[int]]:
    """The shadow seats' share of one dance: dealt as if they sat beside the panel, from
    their own generator, so the counting panel's draw is the one it would be without them."""
    if not shadows:
        return {}
    dealt = deal([*panel, *shadows], components, rng)
    return {j: dealt[j] for j in shadows}


@transaction.atomic
def allocation_draw(round_: Round, seed: int | None = None) -> int | None:
    """Draw the round's allocation for each dance (an event allocated at random), replacing
    an earlier draw; the seed is kept on every row. Returns the seed, or ``None`` when the
    event's allocation is not drawn. Shadow seats are drawn after, from a generator of
    their own seeded from the same seed (``_shadow_deal``)."""
    event = round_.event
    if not event.is_components or event.component_allocation != AllocationMode.RANDOM:
        return None
    seed = secrets.randbits(48) if seed is None else seed
    judges = sorted((s.judge for s in round_panel_seats(round_)), key=lambda j: j.letter)
    components = [c.pk for c in event_components(round_)]
    shadows = [s.judge_id for s in round_panel_seats(round_, shadows=True)]
    rng = random.Random(seed)  # nosec B311: a repeatable draw, its seed recorded
    trainee_rng = random.Random(f"shadow:{seed}")  # nosec B311: as repeatable
    ComponentAllocation.objects.filter(round=round_).delete()
    rows = []
    for dance in Dance.objects.filter(event=event).order_by("position", "id"):
        dealt = deal([j.pk for j in judges], components, rng)
        dealt |= _shadow_deal([j.pk for j in judges], shadows, components, trainee_rng)
        for judge_id, criteria in dealt.items():
            rows += [
                ComponentAllocation(
                    event=event,
                    judge_id=judge_id,
                    criterion_id=c,
                    round=round_,
                    dance=dance,
                    seed=seed,
                )
                for c in criteria
            ]
    ComponentAllocation.objects.bulk_create(rows)
    return seed


def judge_components(round_: Round, dance: Dance, judge: Judge) -> list[Criterion]:
    """The components ``judge`` (a shadow judge too) scores in ``dance`` of ``round_``."""
    return round_allocation(round_, shadows=True).get(dance.pk, {}).get(judge.pk, [])
