"""Building the timetable from the round plans and editing it (moves, breaks, lengths);
every change is refused in plain words (``TimetableRefused``) when it would touch what
has already happened, and announced to every screen after the commit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F

from accounts.models import User
from competitions.access import staff_can
from competitions.models import Competition, Round, RoundStatus, TimetableItem
from competitions.timetable.lines import round_label
from scoring_site.realtime import announce


class TimetableRefused(Exception):
    """A change to the timetable that may not be made, with the reason in plain words."""


def _require(actor: User | None, competition: Competition | int) -> None:
    if actor is not None and not staff_can(actor, "competitions.run_floor", competition):
        raise TimetableRefused("You do not have permission to change the timetable.")


# --- Building ------------------------------------------------------------------------------


def _stage_key(round_: Round, rounds_in_event: int) -> tuple[int, int, int, int]:
    # Earlier rounds of every event first, finals last: all rounds ``k`` steps before
    # their event's final dance together, in programme order.
    return (
        -(rounds_in_event - round_.position),
        round_.event.position,
        round_.event_id,
        round_.position,
    )


@transaction.atomic
def timetable_sync(*, competition: Competition) -> list[TimetableItem]:
    """Give every round of the competition a line in the timetable.

    An empty timetable is built whole: earlier rounds of every event first and the
    finals last, each stage in programme order. Rounds added later (a re-planned event)
    are placed after the last line of their event's earlier rounds, or at the end. Gaps
    left by removed rounds are closed. Nothing that has started moves."""
    Competition.objects.select_for_update().filter(pk=competition.pk).first()
    rounds = list(
        Round.objects.filter(event__competition=competition)
        .select_related("event")
        .order_by("event__position", "event_id", "position")
    )
    by_id = {r.pk: r for r in rounds}
    counts: dict[int, int] = defaultdict(int)
    for r in rounds:
        counts[r.event_id] += 1
    have = set(
        TimetableItem.objects.filter(competition=competition, round__isnull=False).values_list(
            "round_id", flat=True
        )
    )
    missing = sorted(
        (r for r in rounds if r.pk not in have), key=lambda r: _stage_key(r, counts[r.event_id])
    )
    items = list(TimetableItem.objects.filter(competition=competition).order_by("position"))
    for round_ in missing:
        new = TimetableItem(competition=competition, kind=TimetableItem.Kind.ROUND, round=round_)
        if items:
            # After the event's latest earlier round if it has one in the timetable.
            earlier = [
                n
                for n, i in enumerate(items)
                if i.round_id in by_id
                and by_id[i.round_id].event_id == round_.event_id
                and by_id[i.round_id].position < round_.position
            ]
            at = (earlier[-1] + 1) if earlier else len(items)
            # never before something that has started
            started = [n for n, i in enumerate(items) if i.started_at is not None]
            if started:
                at = max(at, started[-1] + 1)
            items.insert(at, new)
        else:
            items.append(new)
    changed = bool(missing) or any(i.position != n for n, i in enumerate(items, start=1))
    _renumber(competition, items)
    if changed:
        _announce(competition.pk)  # a re-planned event's rounds reach every screen's "next"
    return items


def _renumber(competition: Competition, items: list[TimetableItem]) -> None:
    TimetableItem.objects.filter(competition=competition).update(position=F("position") + 100000)
    for position, item in enumerate(items, start=1):
        item.position = position
        if item.pk is None:
            item.save()
        else:
            TimetableItem.objects.filter(pk=item.pk).update(position=position)


# --- Editing ------------------------------------------------------------------------------


_KEEP = "keep"  # timetable_change: leave this field as it is


def _locked_items(competition: Competition) -> list[TimetableItem]:
    Competition.objects.select_for_update().filter(pk=competition.pk).first()
    return list(
        TimetableItem.objects.filter(competition=competition)
        .select_related("round__event")
        .order_by("position")
    )


def _announce(competition_id: int) -> None:
    # Every screen showing the day (the projector's "next", the announcer, the desks)
    # refreshes on a floor nudge, so an edit is announced as one, after the commit.
    announce(competition_id, "floor", {"timetable": "changed"})


def _is_past(item: TimetableItem) -> bool:
    if item.started_at is not None:
        return True
    return item.round_id is not None and item.round.status != RoundStatus.PLANNED


def _describe(item: TimetableItem) -> str:
    if item.round_id is None:
        return item.title or "The break"
    return round_label(item.round)


@transaction.atomic
def timetable_move(*, item: TimetableItem, to_position: int, actor: User | None) -> TimetableItem:
    """Move a line that has not started to another place among the lines still to come."""
    _require(actor, item.competition_id)
    items = _locked_items(item.competition)
    current = next((i for i in items if i.pk == item.pk), None)
    if current is None:
        raise TimetableRefused("That line is no longer in the timetable.")
    if _is_past(current):
        raise TimetableRefused(f"{_describe(current)} has started: it can no longer be moved.")
    if not 1 <= to_position <= len(items):
        raise TimetableRefused(f"Choose a place between 1 and {len(items)}.")
    rest = [i for i in items if i.pk != current.pk]
    rest.insert(to_position - 1, current)
    last_past = max((n for n, i in enumerate(rest) if _is_past(i)), default=-1)
    if rest.index(current) <= last_past:
        raise TimetableRefused(
            f"{_describe(current)} cannot go before {_describe(rest[last_past])}, which has "
            "already started."
        )
    if current.round_id:
        for n, other in enumerate(rest):
            if (
                other.round_id
                and other.round.event_id == current.round.event_id
                and other.pk != current.pk
            ):
                before = n < rest.index(current)
                if before != (other.round.position < current.round.position):
                    raise TimetableRefused(
                        f"{round_label(current.round)} must come "
                        f"{'after' if other.round.position < current.round.position else 'before'}"
                        f" {round_label(other.round)}."
                    )
    _renumber(item.competition, rest)
    _announce(current.competition_id)
    current.refresh_from_db()
    return current


@transaction.atomic
def timetable_insert_break(
    *,
    competition: Competition,
    after_position: int,
    minutes: int,
    title: str,
    actor: User | None,
) -> TimetableItem:
    """Insert a break after line ``after_position`` (0: at the very start)."""
    _require(actor, competition)
    items = _locked_items(competition)
    title = (title or "").strip()
    if len(title) > 120:
        raise TimetableRefused("Keep the break's title to 120 characters.")
    if not isinstance(minutes, int) or not 1 <= minutes <= 600:
        raise TimetableRefused("A break lasts between 1 and 600 minutes.")
    if not 0 <= after_position <= len(items):
        raise TimetableRefused(f"Choose a place between 0 and {len(items)}.")
    following = items[after_position:]
    if any(_is_past(i) for i in following):
        raise TimetableRefused(
            "A break cannot be inserted into the part of the day that has already happened."
        )
    new = TimetableItem(
        competition=competition,
        kind=TimetableItem.Kind.BREAK,
        title=title or "Break",
        minutes=minutes,
    )
    items.insert(after_position, new)
    _renumber(competition, items)
    _announce(competition.pk)
    return new


@transaction.atomic
def timetable_remove_break(*, item: TimetableItem, actor: User | None) -> None:
    _require(actor, item.competition_id)
    items = _locked_items(item.competition)
    current = next((i for i in items if i.pk == item.pk), None)
    if current is None:
        raise TimetableRefused("That line is no longer in the timetable.")
    if current.kind != TimetableItem.Kind.BREAK:
        raise TimetableRefused("Only breaks can be removed; rounds follow their event's plan.")
    if _is_past(current):
        raise TimetableRefused(f"{_describe(current)} has started: it can no longer be removed.")
    current.delete()
    _renumber(item.competition, [i for i in items if i.pk != current.pk])
    _announce(item.competition_id)


@transaction.atomic
def timetable_remove_breaks(*, items: list[TimetableItem], actor: User | None) -> int:
    """Remove several breaks, all or none: one refusal and nothing is removed."""
    for item in items:
        timetable_remove_break(item=item, actor=actor)
    return len(items)


@transaction.atomic
def timetable_change(
    *,
    item: TimetableItem,
    actor: User | None,
    heat_seconds: int | None | str = _KEEP,
    minutes: int | None = None,
    title: str | None = None,
    not_before: dt.datetime | None | str = _KEEP,
) -> TimetableItem:
    """Change a line's heat length, a break's length or title, or its earliest start.

    ``heat_seconds=None`` gives a round back the event's own heat length; leave out
    ``heat_seconds`` or ``not_before`` to keep them. A finished line is history and
    cannot change; the line on the floor may change its heat length (only its heats
    still to come are re-estimated)."""
    _require(actor, item.competition_id)
    _locked_items(item.competition)
    current = TimetableItem.objects.select_related("round__event").get(pk=item.pk)
    done = (
        current.round_id is not None
        and current.round.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED)
    ) or (current.round_id is None and current.started_at is not None)
    if done:
        raise TimetableRefused(f"{_describe(current)} is over: the past cannot be edited.")
    fields: list[str] = []
    if heat_seconds != _KEEP:
        if current.kind != TimetableItem.Kind.ROUND:
            raise TimetableRefused("A break has a length in minutes, not a heat length.")
        if heat_seconds is not None and not 10 <= heat_seconds <= 3600:
            raise TimetableRefused("A heat lasts between 10 and 3600 seconds.")
        current.heat_seconds = heat_seconds
        fields.append("heat_seconds")
    if minutes is not None or title is not None:
        if current.kind != TimetableItem.Kind.BREAK:
            raise TimetableRefused("Only a break has a length in minutes and a title.")
        if current.started_at is not None:
            raise TimetableRefused(f"{_describe(current)} has started: it cannot be changed.")
        if minutes is not None:
            if not 1 <= minutes <= 600:
                raise TimetableRefused("A break lasts between 1 and 600 minutes.")
            current.minutes = minutes
            fields.append("minutes")
        if title is not None:
            if len(title.strip()) > 120:
                raise TimetableRefused("Keep the break's title to 120 characters.")
            current.title = title.strip() or "Break"
            fields.append("title")
    if not_before != _KEEP:
        if _is_past(current):
            raise TimetableRefused(f"{_describe(current)} has started: its start is history.")
        current.not_before = not_before
        fields.append("not_before")
    if fields:
        current.save(update_fields=fields)
        _announce(current.competition_id)
    return current
