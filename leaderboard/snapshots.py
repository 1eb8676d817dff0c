"""What the live screens show, read in a fixed number of queries (selectors).

The snapshots of the live screens:

* ``public_snapshot``: the projector and the audience's phones. What is on the floor
  (open rounds, their heats and bib numbers, and for a closed round that results are
  being checked), how many judges have sent their sheet per dance (or per entry), the
  recalls and results the scrutineer has *published*, and what comes next. Nothing that
  is not published: no marks, no totals, no judge's own sheet; the one exception is an
  event whose ``results_reveal`` is ``live_total`` (pageants, choirs), where a running
  weighted total per entry is shown as judges submit.

The results desk's is ``adjudication.desk.snapshot.desk_snapshot``, a judge's tablet's
``adjudication.tablet.snapshot.tablet_snapshot``.

Snapshots are plain dicts of JSON types (numbers, strings, lists): they are serialized
once and sent as they are.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from adjudication.day.floor import floor_now
from adjudication.incidents.redance import redance_caption, redance_on_floor
from adjudication.incidents.standing import round_standings
from adjudication.models import Mark, Placing, Sheet
from adjudication.results.incidents import out_of_places
from adjudication.selectors import round_head
from competitions.models import (
    Competition,
    Competitor,
    Criterion,
    Dance,
    Floor,
    HeatEntry,
    PanelSeat,
    ResultsReveal,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
    StatusChange,
    TimetableItem,
)
from competitions.selectors import PUBLIC_STATUSES, round_draw_public, seat_sits_in
from competitions.timetable import ENDED, timetable_lines
from leaderboard.components import component_boards, with_components
from scoring_site.realtime import PUBLIC, current_sequence, next_sequence
from scoring_site.sockets import dumps

# How long a built public snapshot is reused (by the sockets' first message and the
# polling endpoint). It is keyed by the public sequence number too, so a change that
# was announced is never hidden behind it.
SNAPSHOT_TTL = 2

# A sheet counts once sent (a paper one once confirmed) and until a redance returns it.
COUNTED = (~Q(source=Sheet.Source.PAPER) | Q(confirmed_at__isnull=False)) & Q(
    returned_at__isnull=True, shadow=False
)


def competition_get_live(*, slug: str) -> Competition | None:
    """The competition behind a public live page (never a draft)."""
    return Competition.objects.filter(slug=slug, status__in=PUBLIC_STATUSES).first()


def _bib(competitor) -> int | None:
    return competitor.bib


def _sort_bib(bib: int | None, pk: int) -> tuple[bool, int, int]:
    return (bib is None, bib or 0, pk)


def _plain(number: Decimal | None) -> str | None:
    if number is None:
        return None
    return f"{number.normalize():f}"


class _OnFloor(NamedTuple):
    """An entry in a heat of a round on the floor."""

    round_id: int
    heat: int
    entry_id: int
    bib: int | None
    kind: str
    competitor_name: str
    partner_name: str

    @property
    def name(self) -> str:
        """The model's own rule (``Competitor.display_name``) on plain values; read only
        where a card shows names (criteria rounds), not on every push."""
        names = SimpleNamespace(kind=self.kind, name=self.competitor_name)
        names.partner_name = self.partner_name
        return Competitor.display_name.fget(names)


def _running_total(
    marks: list[tuple[int, int, int, Decimal]], weights: dict[int, Decimal], *, trim: bool = False
) -> dict[int, tuple[Decimal, int]]:
    """entry id -> (weighted total of the means over the judges in so far, judges in).

    ``marks`` are (entry id, judge id, criterion id, value) of counted sheets; the same
    sum of weighted criterion means as the tabulation, over the sheets sent so far. With
    ``trim`` (the event drops the highest and lowest), once three judges are in, each
    criterion's highest and lowest score so far are left out, as the tabulation will."""
    by_entry: dict[int, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    judges: dict[int, set[int]] = defaultdict(set)
    for entry_id, judge_id, criterion_id, value in marks:
        by_entry[entry_id][criterion_id].append(value)
        judges[entry_id].add(judge_id)
    totals = {}
    for entry_id, per_criterion in by_entry.items():
        total = sum(
            (
                weights.get(criterion_id, Decimal(1)) * _mean(values, trim=trim)
                for criterion_id, values in per_criterion.items()
            ),
            Decimal(0),
        )
        totals[entry_id] = (
            total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            len(judges[entry_id]),
        )
    return totals


def _mean(values: list[Decimal], *, trim: bool) -> Decimal:
    if trim and len(values) >= 3:
        values = sorted(values)[1:-1]
    return sum(values) / len(values)


class _Seat(NamedTuple):
    """A counting panel seat's bounds, read as a row (what ``PanelSeat.sits_in`` reads)."""

    from_round: int | None
    until_round: int | None


class _Dance(NamedTuple):
    pk: int
    name: str
    short_name: str


class _OpenRoundsRead(NamedTuple):
    """What the open and closed rounds' cards show, read in at most seven queries, as
    plain rows (this runs once per push)."""

    panel: dict[int, int]
    by_round: dict[int, list[_OnFloor]]
    dances: dict[int, list[_Dance]]
    counts: dict[tuple[int, int | None, int | None], int]
    live_ids: list[int]
    marks: dict[int, list[tuple[int, int, int, Decimal]]]
    weights: dict[int, Decimal]


def _panel(shown_rounds: list[Round]) -> dict[int, int]:
    """How many judges sit in each round: a replacement's seat and the seat it took over
    never both count."""
    panel: dict[int, int] = defaultdict(int)
    seats: dict[int, list[_Seat]] = defaultdict(list)
    for event_id, start, end in (
        PanelSeat.objects.filter(event_id__in={r.event_id for r in shown_rounds}, shadow=False)
        .order_by()  # the default ordering (judge letters) would join the judges
        .values_list("event_id", "from_round", "until_round")
    ):
        seats[event_id].append(_Seat(start, end))
    for round_ in shown_rounds:
        # Each round against its own event's seats, with the model's rule on plain rows.
        panel[round_.pk] = sum(
            1 for seat in seats[round_.event_id] if PanelSeat.sits_in(seat, round_.position)
        )
    return panel


def _sheet_counts(open_ids: list[int]) -> dict[tuple[int, int | None, int | None], int]:
    """(round, dance, entry) -> the sheets counted in it, counted in the database (one row
    per part): only the sheets of a judge sitting in the round, not a replaced judge's
    set-aside sheet."""
    sitting = PanelSeat.objects.filter(
        seat_sits_in(OuterRef("round__position")),
        event_id=OuterRef("round__event_id"),
        judge_id=OuterRef("judge_id"),
        shadow=False,
    )
    return {
        (round_id, dance_id, entry_id): n
        for round_id, dance_id, entry_id, n in Sheet.objects.filter(
            COUNTED, Exists(sitting), round_id__in=open_ids
        )
        .order_by()
        .values("round_id", "dance_id", "entry_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "dance_id", "entry_id", "n")
    }


def _open_rounds_read(shown_rounds: list[Round]) -> _OpenRoundsRead:
    open_ids = [r.pk for r in shown_rounds if r.status == RoundStatus.OPEN]
    panel = _panel(shown_rounds)
    # Plain rows, not model instances: this runs once per push (bench/bench_live.py).
    by_round: dict[int, list[_OnFloor]] = defaultdict(list)
    for round_id, heat, entry_id, bib, kind, name, partner in (
        HeatEntry.objects.filter(
            heat__round__in=[r for r in shown_rounds if r.draw_public],
            entry__withdrawn=False,
        )
        .order_by("heat__number", "position", "entry__competitor__bib", "id")
        .values_list(
            "heat__round_id",
            "heat__number",
            "entry_id",
            "entry__competitor__bib",
            "entry__competitor__kind",
            "entry__competitor__name",
            "entry__competitor__partner_name",
        )
    ):
        by_round[round_id].append(_OnFloor(round_id, heat, entry_id, bib, kind, name, partner))
    danced_events = {r.event_id for r in shown_rounds if r.event.is_danced}
    dances: dict[int, list[_Dance]] = defaultdict(list)
    if danced_events:
        for event_id, *dance in (
            Dance.objects.filter(event_id__in=danced_events)
            .order_by("position", "id")
            .values_list("event_id", "pk", "name", "short_name")
        ):
            dances[event_id].append(_Dance(*dance))
    counts = _sheet_counts(open_ids) if open_ids else {}
    live_ids = [
        r.pk
        for r in shown_rounds
        if r.status == RoundStatus.OPEN
        and r.event.scoring_method == ScoringMethod.CRITERIA
        and r.event.results_reveal == ResultsReveal.LIVE_TOTAL
    ]
    marks: dict[int, list[tuple[int, int, int, Decimal]]] = defaultdict(list)
    weights: dict[int, Decimal] = {}
    if live_ids:
        for round_id, entry_id, judge_id, criterion_id, value in (
            Mark.objects.filter(sheet__round_id__in=live_ids, criterion__isnull=False)
            .filter(~Q(sheet__source=Sheet.Source.PAPER) | Q(sheet__confirmed_at__isnull=False))
            .filter(sheet__returned_at__isnull=True, sheet__shadow=False)
            .values_list(
                "sheet__round_id", "sheet__entry_id", "sheet__judge_id", "criterion_id", "value"
            )
        ):
            marks[round_id].append((entry_id, judge_id, criterion_id, value))
        weights = dict(
            Criterion.objects.filter(event__rounds__pk__in=live_ids).values_list("pk", "weight")
        )
    return _OpenRoundsRead(panel, by_round, dances, counts, live_ids, marks, weights)


def _open_round_items(shown_rounds: list[Round]) -> list[dict[str, Any]]:
    read = _open_rounds_read(shown_rounds)
    return [_open_round_item(round_, read) for round_ in shown_rounds]


def _open_round_item(round_: Round, read: _OpenRoundsRead) -> dict[str, Any]:
    """One round's card: its heats, its parts with the sheets in, a live board."""
    event = round_.event
    item = round_head(round_)
    item["method"] = event.scoring_method
    item["reveal"] = event.results_reveal
    item["judges"] = read.panel.get(round_.pk, 0)
    item["recall"] = round_.recall_count
    running = read.by_round[round_.pk]
    heats: dict[int, list[int | None]] = {}
    for he in running:
        heats.setdefault(he.heat, []).append(he.bib)
    if event.is_danced:
        # Bibs in number order on the floor: the running order says nothing then.
        item["heats"] = [
            {"number": n, "bibs": sorted(b, key=lambda x: (x is None, x or 0))}
            for n, b in sorted(heats.items())
        ]
        item["parts"] = [
            {
                "label": d.name,
                "short": d.short_name or d.name[:1],
                "in": read.counts.get((round_.pk, d.pk, None), 0),
            }
            for d in read.dances[event.pk]
        ]
    else:
        item["heats"] = [{"number": n, "bibs": b} for n, b in sorted(heats.items())]
        item["parts"] = [
            {
                "label": he.name,
                "bib": he.bib,
                "in": read.counts.get((round_.pk, None, he.entry_id), 0),
            }
            for he in running
        ]
    item["entries"] = len(running)
    item["sheets_due"] = item["judges"] * len(item["parts"])
    item["sheets_in"] = (
        sum(min(p["in"], item["judges"]) for p in item["parts"])
        if round_.status == RoundStatus.OPEN
        else item["sheets_due"]
    )
    if round_.pk in read.live_ids:
        item["running"] = _running_board(round_, running, read)
    return item


def _running_board(round_: Round, running: list[_OnFloor], read: _OpenRoundsRead) -> list[dict]:
    totals = _running_total(read.marks[round_.pk], read.weights, trim=round_.event.drop_extremes)
    board = [
        {
            "bib": he.bib,
            "name": he.name,
            "total": _plain(totals[he.entry_id][0]),
            "judges_in": totals[he.entry_id][1],
        }
        for he in running
        if he.entry_id in totals
    ]
    board.sort(key=lambda row: (-Decimal(row["total"]), row["bib"] or 0))
    return board


def public_snapshot(competition: Competition, *, results: bool = True) -> dict[str, Any]:
    """The public state of ``competition``. With ``results=False`` the list of every
    published result is left out (``results_rev`` still says which results are current),
    as the pushes between publications do.

    At most nine queries, whatever the number of rounds, heats and entries."""
    rounds = list(
        Round.objects.filter(event__competition=competition)
        .select_related("event")
        .annotate(draw_public=round_draw_public(), result_at=F("result__computed_at"))
        .order_by("event__position", "event_id", "position")
    )
    shown_rounds = [r for r in rounds if r.status in (RoundStatus.OPEN, RoundStatus.CLOSED)]
    published = [r for r in rounds if r.status == RoundStatus.PUBLISHED]

    open_rounds = _open_round_items(shown_rounds) if shown_rounds else []

    now_on_floor, upcoming, floors = _day(competition, rounds)

    recent: list[int] = []
    if published:
        recent = list(
            StatusChange.objects.filter(
                competition=competition, round__isnull=False, to_status=RoundStatus.PUBLISHED
            )
            .order_by("-at", "-id")
            .values_list("round_id", flat=True)[:3]
        )
    snapshot: dict[str, Any] = {
        "competition": {
            "id": competition.pk,
            "slug": competition.slug,
            "name": competition.name,
            "venue": competition.venue,
            "status": competition.status,
            "status_label": competition.get_status_display(),
            # Over: nothing on the floor or to come, the screens say so beside the results.
            "finished": competition.status in ENDED,
        },
        # "floor" is the name public API v1 publishes; the rounds open or awaiting results.
        "floor": open_rounds,
        "now": now_on_floor,
        "next": upcoming,
        # Several floors: each one's "now" and "next" (the default's are the two above)
        # and the rounds on it; empty on a one-floor day.
        "floors": floors,
        "server_time": timezone.now().isoformat(),
        "recent": recent,
        "results_rev": results_revision(published),
    }
    if results:
        snapshot["results"] = _published_results(published)
    return snapshot


def results_revision(published: list[Round]) -> str:
    """Which published results are current: the rounds, and when each result was last
    stored (a published final re-tabulated after a disqualification is new results)."""
    stored = max((r.result_at.timestamp() for r in published if r.result_at), default=0)
    return f"{len(published)}-{max((r.pk for r in published), default=0)}-{stored:.6f}"


def published_rounds(competition: Competition, *, event_id: int | None = None):
    """The competition's published rounds in programme order (a queryset)."""
    rounds = (
        Round.objects.filter(event__competition=competition, status=RoundStatus.PUBLISHED)
        .select_related("event")
        .order_by("event__position", "event_id", "position")
    )
    if event_id is not None:
        rounds = rounds.filter(event_id=event_id)
    return rounds


def published_results(rounds: list[Round]) -> list[dict[str, Any]]:
    """The results of ``rounds`` as the public screens show them (two queries): recalled
    bibs of a preliminary round, placings (and a criteria event's totals) of a final.
    Rounds that are not published are left out, whatever the caller passed."""
    return _published_results([r for r in rounds if r.status == RoundStatus.PUBLISHED])


def _day(competition: Competition, rounds: list[Round]) -> tuple[dict[str, Any], list, list]:
    """What is on the default floor now (with its timers) and the next lines of its
    timetable with their estimated start, local time; with several floors, the same for
    each floor. Nothing about judges: lateness is the desk's business."""
    now = timezone.now()
    floors = list(
        Floor.objects.select_related("round__event", "dance", "entry__competitor", "break_item")
        .filter(competition=competition)
        .order_by("position")
    )
    default = floors[0] if floors else None
    on_floor, upcoming = _floor_day(competition, rounds, default, now, fallback=True)
    if len(floors) < 2:
        return on_floor, upcoming, []
    on = dict(
        TimetableItem.objects.filter(competition=competition, round__isnull=False).values_list(
            "round_id", "floor_id"
        )
    )
    per_floor = []
    for floor in floors:
        here, coming = (
            (on_floor, upcoming)
            if floor is default
            else _floor_day(competition, rounds, floor, now)
        )
        per_floor.append(
            {
                "slug": floor.slug,
                "name": floor.name,
                "label": floor.label,
                "now": here,
                "next": coming,
                "rounds": [r.pk for r in rounds if (on.get(r.pk) or default.pk) == floor.pk],
            }
        )
    return on_floor, upcoming, per_floor


def _floor_day(
    competition: Competition, rounds: list[Round], floor, now, *, fallback: bool = False
) -> tuple[dict, list]:
    on_floor_now = floor_now(competition, now=now, floor=floor, with_late=False)
    on_floor = on_floor_now.as_dict()
    if on_floor["round"] is not None:
        round_ = next((r for r in rounds if r.pk == on_floor["round"]), None)
        if round_ is not None:
            on_floor.update(event=round_.event.name, kind_label=round_head(round_)["kind_label"])
        redance = redance_on_floor(on_floor_now)
        on_floor["redance"] = redance_caption(redance) if redance else None
        bibs = HeatEntry.objects.filter(
            heat__round_id=on_floor["round"], entry__withdrawn=False
        ).select_related("entry__competitor")
        if round_ is None or not round_.draw_public:
            bibs = bibs.none()
        if on_floor["entry"] is not None:
            bibs = bibs.filter(entry_id=on_floor["entry"])
        elif on_floor["heat"] is not None:
            bibs = bibs.filter(heat__number=on_floor["heat"])
        on_floor["bibs"] = sorted(
            (_bib(he.entry.competitor) for he in bibs), key=lambda b: (b is None, b or 0)
        )
    return on_floor, _upcoming(competition, rounds, floor, now, fallback=fallback)


def _upcoming(
    competition: Competition, rounds: list[Round], floor, now, *, fallback: bool
) -> list[dict[str, Any]]:
    """The floor's next three lines; without a timetable (``fallback``: the default
    floor only), the next round planned."""
    zone = zoneinfo.ZoneInfo(competition.timezone)
    upcoming: list[dict[str, Any]] = []
    lines = timetable_lines(competition, now=now, floor=floor, public=True)
    if lines:
        for line in lines:
            if line.state != "to_come":
                continue
            item = {
                "title": line.label,
                "starts": timezone.localtime(line.starts, zone).strftime("%H:%M")
                if line.starts
                else None,
            }
            if line.item.round_id:
                item.update(round_head(line.item.round), drawn=line.drawn)
            else:
                item.update(event=line.label, kind_label="Break", round=None)
            upcoming.append(item)
            if len(upcoming) == 3:
                break
    elif fallback:
        following = next((r for r in rounds if r.status == RoundStatus.PLANNED), None)
        if following is not None:
            upcoming.append({**round_head(following), "recall": following.recall_count})
    return upcoming


def _published_results(published: list[Round]) -> list[dict[str, Any]]:
    if not published:
        return []
    placings: dict[int, list[Placing]] = defaultdict(list)
    for placing in (
        Placing.objects.filter(round__in=published)
        .select_related("entry__competitor")
        .order_by("round_id", "place", "entry__competitor__bib", "entry_id")
    ):
        placings[placing.round_id].append(placing)
    standings = round_standings(published)
    boards = component_boards(published)
    blocks = []
    for round_ in published:
        block = round_head(round_)
        rows = placings[round_.pk]
        # Couples absent or disqualified: listed as such, with no place.
        block["out"] = [
            {"bib": _bib(p.entry.competitor), "name": p.entry.competitor.display_name, "why": why}
            for p in rows
            if (why := out_of_places(standings[round_.pk], p.entry_id))
        ]
        if round_.kind != RoundKind.FINAL and round_.event.is_danced:
            block["type"] = "recalls"
            block["recalled"] = sorted(
                (_bib(p.entry.competitor) for p in rows if p.recalled),
                key=lambda b: (b is None, b or 0),
            )
        else:
            block["type"] = "placings"
            block["placings"] = [
                {
                    "place": _plain(p.place),
                    "bib": _bib(p.entry.competitor),
                    "name": p.entry.competitor.display_name,
                    "club": p.entry.competitor.club,
                    # A criteria event's published score; a skating final's place sum
                    # means little to an audience and is on the published marks sheet.
                    "total": None if round_.event.is_skating else _plain(p.total),
                }
                for p in rows
                if p.place is not None
            ]
            if round_.pk in boards:
                with_components(block, boards[round_.pk], rows)
        blocks.append(block)
    return blocks


def public_snapshot_message(competition: Competition) -> str:
    """The whole public state as the JSON text a socket's first message and the polling
    endpoint send, built at most once per public sequence number and ``SNAPSHOT_TTL``.

    The sequence number is read before the database, so the snapshot holds at least
    every change announced up to that number."""
    seq = current_sequence(competition.pk, PUBLIC)
    key = f"podium:live:snapshot:{competition.pk}:{seq}"
    text = cache.get(key)
    if text is None:
        text = dumps({"type": "snapshot", "seq": seq, **public_snapshot(competition)})
        cache.set(key, text, SNAPSHOT_TTL)
    return text


def public_update_message(competition_id: int, *, kinds: set[str], seq: int = 0) -> str | None:
    """One push to every public viewer of the competition, after changes of ``kinds``:
    reserves the next public sequence number, then reads (so the push holds every change
    announced before it), unless the caller reserved it (``seq``). The published results
    ride along only when a round changed; ``results_rev`` lets a screen that missed them
    fetch them."""
    seq = seq or next_sequence(competition_id, PUBLIC)
    competition = Competition.objects.filter(pk=competition_id, status__in=PUBLIC_STATUSES).first()
    if competition is None:
        return None
    with_results = any(kind.startswith("round.") for kind in kinds)
    return dumps(
        {
            "type": "update",
            "seq": seq,
            "kinds": sorted(kinds),
            **public_snapshot(competition, results=with_results),
        }
    )
