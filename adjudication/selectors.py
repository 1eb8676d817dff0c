"""Reusable reads of judges' sheets: what a judge's device shows, and whether its tokens
still stand.

Every read here starts from a user and goes through that user's own ``Judge`` rows: a
judge never sees another panel, nor another judge's sheet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import User
from adjudication.incidents.standing import Standing, round_standings
from adjudication.models import Mark, Sheet, TabletSession
from competitions.components import round_allocation
from competitions.models import (
    Competition,
    Criterion,
    Dance,
    Entry,
    Heat,
    HeatEntry,
    Judge,
    PanelSeat,
    Round,
    RoundKind,
    RoundStatus,
)
from competitions.selectors import seat_sits_in
from scoring_site import rows


class SeatNotFound(Exception):
    """The user has no judge seat on this round's panel (or the round does not exist)."""


class SeatAmbiguous(Exception):
    """The user holds two or more judge seats on one panel: a set-up mistake for the desk."""

    def __init__(self, letters: Sequence[str]):
        self.letters = tuple(letters)
        super().__init__(
            f"You hold more than one judge seat on this panel ({', '.join(self.letters)}): "
            "ask the desk to fix the panel."
        )


@dataclasses.dataclass(frozen=True)
class EntryLine:
    entry_id: int
    bib: int | None
    name: str
    withdrawn: bool


@dataclasses.dataclass(frozen=True)
class HeatLines:
    number: int
    entries: list[EntryLine]


@dataclasses.dataclass(frozen=True)
class CriterionLine:
    criterion_id: int
    name: str
    min: Decimal
    max: Decimal
    step: Decimal
    weight: Decimal
    short_name: str = ""


@dataclasses.dataclass(frozen=True)
class OwnSheet:
    """The judge's own current sheet for one part. ``marks`` is keyed by entry id
    (skating) or criterion id (criteria), as a string, like the body that sends it."""

    version: int
    round_revision: int
    source: str
    submitted_at: dt.datetime
    unlocked: bool
    marks: dict[str, Decimal]
    returned: bool = False  # the desk re-collected it for a redance: send it again


@dataclasses.dataclass(frozen=True)
class SheetPart:
    """One sheet to fill: a dance (skating) or an entry (criteria)."""

    dance_id: int | None
    entry_id: int | None
    name: str
    bib: int | None
    sheet: OwnSheet | None
    # Skating: the couples that no longer dance this dance (retired from it or before),
    # and the marks a complete sheet of it holds without them.
    not_dancing: tuple[int, ...] = ()
    marks: int | None = None
    # Components: the criterion ids of the components this judge scores in this dance.
    components: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class JudgeRound:
    """One round as one judge of its panel sees it."""

    judge: Judge
    round: Round
    heats: list[HeatLines]
    parts: list[SheetPart]
    criteria: list[CriterionLine]
    marks_per_sheet: int
    # Couples not simply dancing (absent, retired, disqualified): "entry:outcome:from dance".
    away: tuple[str, ...] = ()


def own_sheet(sheet: Sheet, marks: Iterable[Mark] | None = None) -> OwnSheet:
    """The sheet as its judge sees it; ``marks`` when the caller has them in hand
    (``sheet_submit`` returns them), else read."""
    key = "criterion_id" if sheet.entry_id is not None else "entry_id"
    marks = list(sheet.marks.all() if marks is None else marks)
    if sheet.dance_id is not None and any(m.criterion_id for m in marks):
        values = {f"{m.entry_id}:{m.criterion_id}": m.value for m in marks}  # components
    else:
        values = {str(getattr(m, key)): m.value for m in marks}
    return OwnSheet(
        version=sheet.version,
        round_revision=sheet.round_revision,
        source=sheet.source,
        submitted_at=sheet.submitted_at,
        unlocked=sheet.unlocked_at is not None,
        returned=sheet.returned_at is not None,
        marks=values,
    )


def _by_bib(entry: Entry) -> tuple[bool, int, int]:
    bib = entry.competitor.bib
    return (bib is None, bib or 0, entry.pk)


def finalist_order(*, judge_id: int, round_id: int, entries: Iterable[Entry]) -> list[Entry]:
    """The finalists in a random order of this judge's own, so that the list on the
    sheet suggests no placing: the same for one judge each time (seeded by judge and
    round), different from judge to judge. Withdrawn couples come last, by bib."""
    ordered = sorted(entries, key=_by_bib)
    active = [e for e in ordered if not e.withdrawn]
    # bandit: a fair, repeatable order of finalists per judge, not a secret
    random.Random(f"{judge_id}:{round_id}").shuffle(active)  # nosec B311
    return active + [e for e in ordered if e.withdrawn]


def _line(entry: Entry) -> EntryLine:
    return EntryLine(
        entry_id=entry.pk,
        bib=entry.competitor.bib,
        name=entry.competitor.display_name,
        withdrawn=entry.withdrawn,
    )


def _running_order(heat_entry: HeatEntry) -> tuple[bool, int, bool, int, int]:
    position = heat_entry.position
    bib = heat_entry.entry.competitor.bib
    return (position is None, position or 0, bib is None, bib or 0, heat_entry.entry_id)


def _away_lines(standing: Standing) -> tuple[str, ...]:
    return tuple(
        f"{pk}:{i.outcome}:{i.from_dance_id or ''}" for pk, i in sorted(standing.incidents.items())
    )


def _judge_rounds(pairs: list[tuple[Judge, int]]) -> list[JudgeRound]:
    """Build every (judge, round id) pair in a fixed number of queries."""
    round_ids = {round_id for _, round_id in pairs}
    heats = Heat.objects.order_by("number").prefetch_related(
        Prefetch(
            "heat_entries",
            queryset=HeatEntry.objects.select_related("entry__competitor"),
        )
    )
    rounds = {
        r.pk: r
        for r in Round.objects.filter(pk__in=round_ids)
        .select_related("event__competition")
        .prefetch_related(
            Prefetch("event__dances", queryset=Dance.objects.order_by("position", "id")),
            Prefetch("event__criteria", queryset=Criterion.objects.order_by("position", "id")),
            Prefetch("heats", queryset=heats),
        )
    }
    sheets = {
        (s.round_id, s.judge_id, s.dance_id, s.entry_id): s
        for s in Sheet.objects.filter(
            round_id__in=round_ids, judge_id__in={judge.pk for judge, _ in pairs}
        ).prefetch_related("marks")
    }
    standings = round_standings(rounds.values())
    built = []
    for judge, round_id in pairs:
        round_ = rounds[round_id]
        event = round_.event
        away = standings[round_id].set_aside  # off the sheets; a retired couple: see sheets

        def sheet_of(dance_id, entry_id, *, judge=judge, round_=round_):
            sheet = sheets.get((round_.pk, judge.pk, dance_id, entry_id))
            return own_sheet(sheet) if sheet is not None else None

        heat_lines = []
        running: list[Entry] = []
        for heat in round_.heats.all():
            heat_entries = sorted(heat.heat_entries.all(), key=_running_order)
            entries = [he.entry for he in heat_entries if he.entry_id not in away]
            running += entries
            if event.is_skating and round_.kind == RoundKind.FINAL:
                entries = finalist_order(judge_id=judge.pk, round_id=round_.pk, entries=entries)
            elif event.is_danced:
                entries = sorted(entries, key=_by_bib)
            heat_lines.append(HeatLines(heat.number, [_line(e) for e in entries]))
        active = sum(1 for e in running if not e.withdrawn)
        if event.is_skating:
            per_sheet = (
                active if round_.kind == RoundKind.FINAL else min(round_.recall_count or 0, active)
            )
            parts = [
                _dance_part(d, sheet_of(d.pk, None), round_, running, standings[round_id])
                for d in event.dances.all()
            ]
            criteria = []
        elif event.is_components:
            parts, criteria, per_sheet = _component_parts(
                judge, round_, sheet_of, running, standings[round_id]
            )
        else:
            parts, criteria = _criteria_parts(event, sheet_of, running)
            per_sheet = len(criteria)
        away_lines = tuple(
            f"{pk}:{i.outcome}:{i.from_dance_id or ''}"
            for pk, i in sorted(standings[round_id].incidents.items())
        )
        built.append(JudgeRound(judge, round_, heat_lines, parts, criteria, per_sheet, away_lines))
    return built


def _criteria_parts(
    event, sheet_of, running: list[Entry]
) -> tuple[list[SheetPart], list[CriterionLine]]:
    """A criteria round's sheets: each entry still in, in running order, and the criteria."""
    parts = [
        SheetPart(None, e.pk, e.competitor.display_name, e.competitor.bib, sheet_of(None, e.pk))
        for e in running
        if not e.withdrawn
    ]
    criteria = [
        CriterionLine(c.pk, c.name, c.min_score, c.max_score, c.step, c.weight)
        for c in event.criteria.all()
    ]
    return parts, criteria


def _component_parts(
    judge: Judge, round_: Round, sheet_of, running: list[Entry], standing: Standing
) -> tuple[list[SheetPart], list[CriterionLine], int]:
    """A component round's sheets for ``judge``: each dance with the components allocated
    to them there and the scores a complete sheet holds (couples dancing it × components)."""
    allocation = round_allocation(round_, shadows=True)
    parts = []
    for dance in round_.event.dances.all():
        away = standing.not_dancing(dance)
        dancing = sum(1 for e in running if not e.withdrawn and e.pk not in away)
        mine = tuple(c.pk for c in allocation.get(dance.pk, {}).get(judge.pk, []))
        parts.append(
            SheetPart(
                dance.pk,
                None,
                dance.name,
                None,
                sheet_of(dance.pk, None),
                tuple(sorted(e.pk for e in running if e.pk in away)),
                dancing * len(mine),
                mine,
            )
        )
    criteria = [
        CriterionLine(c.pk, c.name, c.min_score, c.max_score, c.step, c.weight, c.short_name)
        for c in round_.event.criteria.all()
    ]
    return parts, criteria, max((p.marks or 0 for p in parts), default=0)


def _dance_part(
    dance: Dance, sheet: OwnSheet | None, round_: Round, running: list[Entry], standing: Standing
) -> SheetPart:
    """A dance's sheet to fill, with the couples retired from it left off (they are placed
    last there by the tabulation) and the marks a complete sheet holds without them."""
    away = standing.not_dancing(dance)
    dancing = sum(1 for e in running if not e.withdrawn and e.pk not in away)
    marks = dancing if round_.kind == RoundKind.FINAL else min(round_.recall_count or 0, dancing)
    not_dancing = tuple(sorted(e.pk for e in running if e.pk in away))
    return SheetPart(dance.pk, None, dance.name, None, sheet, not_dancing, marks)


def judge_seats(*, user: User) -> list[Judge]:
    """The user's judge rows, one per competition they judge."""
    return list(Judge.objects.filter(user=user).order_by("pk"))


def judge_round_list(*, user: User, judges: Sequence[Judge] | None = None) -> list[JudgeRound]:
    """The sheets to fill now: every open round of a panel the user sits on, and every
    closed round in which the chairman unlocked one of their sheets for a correction."""
    judges = judge_seats(user=user) if judges is None else list(judges)
    by_id = {judge.pk: judge for judge in judges}
    seated: dict[int, list[PanelSeat]] = {}
    for seat in PanelSeat.objects.filter(judge_id__in=by_id).only(
        "event_id", "judge_id", "from_round", "until_round"
    ):
        seated.setdefault(seat.event_id, []).append(seat)
    unlocked = set(
        Sheet.objects.filter(
            judge_id__in=by_id, unlocked_at__isnull=False, round__status=RoundStatus.CLOSED
        ).values_list("round_id", "judge_id")
    )
    rounds = (
        Round.objects.filter(event_id__in=seated)
        .filter(
            Q(status=RoundStatus.OPEN)
            | Q(pk__in={round_id for round_id, _ in unlocked}, status=RoundStatus.CLOSED)
        )
        .order_by(
            "event__competition__starts_on",
            "event__competition_id",
            "event__position",
            "event_id",
            "position",
        )
        .values_list("pk", "event_id", "status", "position")
    )
    # A replaced judge's seat ends before the replacement's first round (round_panel).
    pairs = [
        (by_id[seat.judge_id], round_id)
        for round_id, event_id, status, position in rounds
        for seat in sorted(seated[event_id], key=lambda seat: by_id[seat.judge_id].letter)
        if seat.sits_in(position)
        and (status == RoundStatus.OPEN or (round_id, seat.judge_id) in unlocked)
    ]
    return _judge_rounds(pairs) if pairs else []


def judge_for_round(*, user: User, round_id: int) -> Judge:
    """The user's judge seat on the panel of this round (a seat of ``round_panel``, or a
    shadow seat: ``round_shadow_panel``; a replaced judge is not on it from the
    replacement's round on), in one statement. Raises ``SeatNotFound`` (also for a round
    that does not exist, so a stranger learns nothing) or ``SeatAmbiguous``."""
    return _judge_seated(user, *_round_place(round_id))


def _round_place(round_id: Any) -> tuple[Subquery, Subquery]:
    """The round's position and event, as subqueries (for ``_user_seats``)."""
    round_ = Round.objects.filter(pk=round_id).order_by()
    return Subquery(round_.values("position")), Subquery(round_.values("event_id"))


def judge_in_round(*, user: User, round_: Round) -> Judge:
    """``judge_for_round`` of a round in hand (``sheet_submit`` reads it under the round's
    lock), raising the same; the judge is annotated ``shadow`` (a shadow seat)."""
    return _judge_seated(user, round_.position, round_.event_id)


def _user_seats(user_id: Any, position: Any, event_id: Any) -> QuerySet[PanelSeat]:
    """The user's seats, with their judges, sitting in the round at ``position`` of event
    ``event_id`` (values or subqueries)."""
    return (
        PanelSeat.objects.filter(seat_sits_in(position), event_id=event_id, judge__user_id=user_id)
        .select_related("judge")
        .order_by("shadow", "judge__letter")  # as round_panel, then round_shadow_panel
    )


# The user's seats in the round ``round_id`` (``judge_for_round``'s), each annotated
# ``sheet_sent``: whether its judge has a sheet of the dance ``dance_id`` in the round.
# Compiled once: a tablet's sheet reads them with the round, in one round trip, and locks
# its sheet only when there is one (sheet_submit).
USER_SEATS_IN_ROUND = rows.Compiled(
    lambda user_id, round_id, dance_id: _user_seats(user_id, *_round_place(round_id)).annotate(
        sheet_sent=Exists(_dance_sheets(round_id, dance_id).filter(judge_id=OuterRef("judge_id")))
    ),
    "user_id",
    "round_id",
    "dance_id",
)


def _dance_sheets(round_id: Any, dance_id: Any) -> QuerySet[Sheet]:
    return Sheet.objects.filter(round_id=round_id, dance_id=dance_id)


def judge_of_seats(seats: Iterable[tuple[PanelSeat, Judge]]) -> Judge:
    """The one judge of the user's ``seats`` in a round (as ``_user_seats`` orders them),
    with ``shadow`` set from the seat; ``SeatNotFound`` or ``SeatAmbiguous``."""
    judges = []
    for seat, judge in seats:
        judge.shadow = seat.shadow
        judges.append(judge)
    if not judges:
        raise SeatNotFound
    if len(judges) > 1:
        raise SeatAmbiguous([j.letter for j in judges])
    return judges[0]


# Where a row of USER_SEATS_IN_ROUND holds what: the seat's columns, its annotation, then
# the judge's (Django selects annotations before select_related's columns).
SEAT_COLUMNS = len(PanelSeat._meta.concrete_fields)
SEAT_SHEET_SENT = SEAT_COLUMNS
SEAT_JUDGE = SEAT_COLUMNS + 1


def user_seats_from_rows(found: Iterable[Sequence[Any]]) -> list[tuple[PanelSeat, Judge]]:
    """``USER_SEATS_IN_ROUND``'s rows as seats (with ``sheet_sent``) and their judges."""
    seats = []
    for row in found:
        seat = rows.from_row(PanelSeat, row[:SEAT_COLUMNS])
        seat.sheet_sent = row[SEAT_SHEET_SENT]
        seats.append((seat, rows.from_row(Judge, row[SEAT_JUDGE:])))
    return seats


def _judge_seated(user: User, position: Any, event_id: Any) -> Judge:
    """The user's judge seated in the round at ``position`` of event ``event_id`` (values
    or subqueries), with ``shadow`` set from the seat."""
    return judge_of_seats((seat, seat.judge) for seat in _user_seats(user.pk, position, event_id))


def judge_round_get(*, user: User, round_id: int) -> JudgeRound:
    """One round of the user's panels, whatever its status. Raises like
    ``judge_for_round``."""
    judge = judge_for_round(user=user, round_id=round_id)
    return _judge_rounds([(judge, round_id)])[0]


def tablet_revoked_latest(*, user_id: int) -> dt.datetime | None:
    """When the desk last revoked a tablet of any of this user's judge seats."""
    return TabletSession.objects.filter(judge__user_id=user_id, revoked_at__isnull=False).aggregate(
        latest=Max("revoked_at")
    )["latest"]


def tablet_revoked_latest_of_user() -> Subquery:
    """``tablet_revoked_latest`` as an annotation of users (the outer query's ``pk``)."""
    return Subquery(
        TabletSession.objects.filter(judge__user_id=OuterRef("pk"), revoked_at__isnull=False)
        .order_by("-revoked_at")
        .values("revoked_at")[:1]
    )


def competition_of_url(kwargs: dict) -> int | None:
    """The competition a staff page's URL points into, or None when there is none (the
    view then answers 404)."""
    lookups = (
        ("round_id", Round, "event__competition_id"),
        ("sheet_id", Sheet, "round__event__competition_id"),
        ("tablet_id", TabletSession, "judge__competition_id"),
        ("judge_id", Judge, "competition_id"),
        ("slug", Competition, "pk"),
    )
    for name, model, field in lookups:
        if name in kwargs:
            key = {"slug": kwargs[name]} if name == "slug" else {"pk": kwargs[name]}
            return model.objects.filter(**key).values_list(field, flat=True).first()
    return None


def round_head(round_: Round) -> dict[str, Any]:
    """A round as every live screen heads it (public, desk and tablet snapshots); the
    round's ``event`` is loaded."""
    event = round_.event
    return {
        "round": round_.pk,
        "event": event.name,
        "event_id": event.pk,
        "kind": round_.kind,
        "kind_label": str(RoundKind(round_.kind).label),
        "status": round_.status,
    }
