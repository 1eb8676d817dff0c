"""Running the day at the desk: the floor's controls, the timetable with its estimates
and its editing, who is late, and the announcer's view. Thin views over
``adjudication.day.floor`` and ``competitions.timetable``."""

from __future__ import annotations

import math
import zoneinfo

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from adjudication.day.floor import (
    FloorRefused,
    floor_move,
    floor_now,
    floor_read,
    next_in_lines,
    next_on_programme,
)
from adjudication.desk.pages import desk_required, render_live, staff_page_required
from adjudication.incidents.redance import redance_on_floor
from adjudication.models import Placing
from competitions.access import staff_can
from competitions.floors import floor_list, floor_neighbour_position, floor_pick, floor_q
from competitions.models import (
    Competition,
    HeatEntry,
    RoundKind,
    RoundStatus,
    StatusChange,
    TimetableItem,
)
from competitions.timetable import (
    ENDED,
    TimetableRefused,
    date_notice,
    timetable_change,
    timetable_floor,
    timetable_insert_break,
    timetable_lines,
    timetable_move,
    timetable_remove_break,
)


def floor_choice(request, competition: Competition) -> dict:
    """The floor a day page shows (``?floor=b``; none: the default) and the switcher's
    floors when there are several; an unknown floor is not found. The page's links and
    forms carry ``floor_query`` (empty on a one-floor day: its URLs are as ever)."""
    floors = floor_list(competition)
    wanted = request.GET.get("floor") or request.POST.get("floor")
    chosen = floor_pick(competition, wanted) if wanted else None
    if wanted and chosen is None:
        raise Http404("This competition has no such floor.")
    if chosen is None or len(floors) < 2:
        chosen = floors[0] if len(floors) > 1 else chosen
    query = f"floor={chosen.slug}" if chosen is not None and len(floors) > 1 else ""
    return {
        "floors": floors if len(floors) > 1 else [],
        "floor_chosen": chosen,
        "floor_query": f"?{query}" if query else "",
        "floor_and": f"&{query}" if query else "",
    }


def _day_context(competition: Competition, choice: dict | None = None) -> dict:
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(competition.timezone)
    choice = choice or {"floor_chosen": None}
    row = floor_read(competition, floor=choice["floor_chosen"])
    lines = timetable_lines(competition, now=now, floor=row)
    following = next_on_programme(competition, lines=lines)
    floor = floor_now(competition, now=now, floor=row)
    finished = competition.status in ENDED
    return choice | {
        "competition": competition,
        "finished": finished,
        "podiums": _podiums(competition) if finished else [],
        "date_notice": date_notice(competition, now=now),
        "zone": zone,
        "floor": floor,
        "redance": redance_on_floor(floor),
        "lines": lines,
        "insert_after": lines[-1].item.position if lines else 0,  # the floor's last line
        "following": following,
        "next_label": _next_label(following, lines),
        # The round next on the programme has no heats yet: the floor waits for its draw
        # (closing the round before draws it), so the desk gets no button that would fail.
        "next_waits_for_draw": (
            following is not None and following[1] is None and following[0].round_id is not None
        ),
        "now": now,
        "refresh_in": _seconds_to_next_window_end(floor, now),
    }


PODIUM_PLACES = 3


def _podiums(competition: Competition) -> list[dict]:
    """Each event's final places up to the third, in programme order (one query)."""
    events: dict[int, dict] = {}
    for placing in (
        Placing.objects.filter(
            round__event__competition=competition,
            round__kind=RoundKind.FINAL,
            round__status=RoundStatus.PUBLISHED,
            place__lte=PODIUM_PLACES,
        )
        .select_related("round__event", "entry__competitor")
        .order_by("round__event__position", "round__event_id", "place", "entry__competitor__bib")
    ):
        event = placing.round.event
        events.setdefault(event.pk, {"event": event, "places": []})["places"].append(placing)
    return list(events.values())


def _seconds_to_next_window_end(floor, now) -> int | None:
    """Nothing is pushed when a window runs out, so the desk's page asks again just
    after the next one ends (a judge may become late then). Seconds, from the server's
    clock, so a tablet or laptop clock that is off does not matter."""
    ends = [
        end
        for end in (floor.performance_ends_at, floor.scoring_ends_at, floor.break_ends_at)
        if end is not None and end > now
    ]
    return math.ceil((min(ends) - now).total_seconds()) + 1 if ends else None


def _next_label(following, lines) -> str:
    if following is None:
        return ""
    item, slot = following
    for line in lines:
        if line.item.pk != item.pk:
            continue
        if slot is None:
            return line.label + ("" if line.is_break else " (to be drawn)")
        for slot_line in line.slots:
            if slot_line.slot == slot:
                parts = [line.label]
                if slot_line.dance:
                    parts.append(slot_line.dance)
                if slot.entry_id:
                    parts.append(f"{slot_line.bibs[0] or ''} {slot_line.names[0]}".strip())
                elif len({s.slot.heat_number for s in line.slots}) > 1:
                    parts.append(f"heat {slot.heat_number}")
                return " · ".join(parts)
    return ""


@never_cache
@desk_required
def desk_day(request, slug: str):
    competition = get_object_or_404(Competition, slug=slug)
    context = _day_context(competition, floor_choice(request, competition))
    context["can_move"] = staff_can(request.user, "competitions.run_floor", competition)
    return render_live(
        request, "adjudication/desk_day.html", "adjudication/_desk_day_live.html", context
    )


@require_POST
@desk_required
def desk_floor_move(request, slug: str):
    competition = get_object_or_404(Competition, slug=slug)
    action = request.POST.get("action", "")
    choice = floor_choice(request, competition)
    try:
        floor_move(
            competition=competition,
            action=action,
            actor=request.user,
            floor=choice["floor_chosen"],
            round_id=request.POST.get("round"),
            dance_id=request.POST.get("dance"),
            heat_number=request.POST.get("heat"),
            entry_id=request.POST.get("entry"),
            item_id=request.POST.get("item"),
        )
    except FloorRefused as refusal:
        messages.error(request, str(refusal))
    else:
        row = floor_read(competition, floor=choice["floor_chosen"])
        floor = floor_now(competition, floor=row, with_late=False)
        name = f"{row.label}: " if choice["floors"] and row else "Floor: "
        messages.success(request, f"{name}{floor.label or 'clear'}.")
    return _back_to_day(competition, choice)


def _back_to_day(competition: Competition, choice: dict):
    response = redirect("adjudication:desk-day", slug=competition.slug)
    response["Location"] += choice["floor_query"]
    return response


def _int(value, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TimetableRefused(f"Give the {what} as a whole number.") from None


@require_POST
@desk_required
def desk_timetable_edit(request, slug: str):
    """Edits of the timetable from the desk: move a line up or down, insert or remove a
    break, change a round's heat length."""
    competition = get_object_or_404(Competition, slug=slug)
    what = request.POST.get("what", "")
    choice = floor_choice(request, competition)
    try:
        if what not in ("insert_break", "up", "down", "remove_break", "heat_seconds"):
            raise TimetableRefused(f"“{what}” is not a change the timetable knows.")
        if what == "insert_break":
            with transaction.atomic():  # on a floor's page, the break is that floor's
                item = timetable_insert_break(
                    competition=competition,
                    after_position=_int(request.POST.get("after"), "place"),
                    minutes=_int(request.POST.get("minutes"), "length in minutes"),
                    title=request.POST.get("title", ""),
                    actor=request.user,
                )
                timetable_floor(item=item, floor=choice["floor_chosen"], actor=request.user)
        else:
            item = TimetableItem.objects.filter(
                competition=competition, pk=request.POST.get("item") or 0
            ).first()
            if item is None:
                raise TimetableRefused("That line is not in this competition's timetable.")
            if what in ("up", "down"):
                timetable_move(
                    item=item,
                    to_position=floor_neighbour_position(item, -1 if what == "up" else 1),
                    actor=request.user,
                )
            elif what == "remove_break":
                timetable_remove_break(item=item, actor=request.user)
            else:
                timetable_change(
                    item=item,
                    actor=request.user,
                    heat_seconds=_int(request.POST.get("heat_seconds"), "heat length in seconds"),
                )
    except TimetableRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Timetable changed.")
    return _back_to_day(competition, choice)


# --- The announcer ---------------------------------------------------------------------------


# The MC's own role needs no second factor; desk roles give theirs first.
announcer_required = staff_page_required(
    "competitions.announce",
    "The announcer's view is for the MC and the desk.",
    sign_in="accounts:sign-in",  # the MC's account is not a staff account
)


def announcer_context(competition: Competition, choice: dict | None = None) -> dict:
    """What the MC of a floor (``choice``, ``floor_choice``'s; none: the default floor)
    says next: the heat on the floor with names and clubs, the next heat to call to the
    floor, the latest published rounds to read out (recalls by bib, finals from the last
    place to the winner), then what comes next."""
    choice = choice or {"floor_chosen": None}
    row = floor_read(competition, floor=choice["floor_chosen"])
    floor = floor_now(competition, floor=row, with_late=False)  # lateness: the desk's
    on_floor = []
    if floor.round_id:
        members = HeatEntry.objects.filter(
            heat__round_id=floor.round_id, entry__withdrawn=False
        ).select_related("entry__competitor", "heat")
        if floor.entry_id:
            members = members.filter(entry_id=floor.entry_id)
        elif floor.heat_number:
            members = members.filter(heat__number=floor.heat_number)
        on_floor = sorted(
            (he.entry.competitor for he in members),
            key=lambda c: (c.bib is None, c.bib or 0),
        )
    # public: the MC calls no couples of a round whose recalls are not yet published.
    lines = timetable_lines(competition, floor=row, public=True)
    call = next_in_lines(lines)
    return choice | {
        "competition": competition,
        "floor": floor,
        "redance": redance_on_floor(floor),
        "on_floor": on_floor,
        "call": call,
        # The same words as the desk's "Start next" (the heat only when there are several).
        "call_label": _next_label((call[0].item, call[1].slot), lines) if call and call[1] else "",
        # On a day of several floors, the MC of a floor reads that floor's rounds.
        "announcements": _to_read(competition, floor_q(row, prefix=_ROUND_LINE))
        if choice.get("floors")
        else _to_read(competition),
        "upcoming": [line for line in lines if line.state == "to_come"][:3],
        "zone": zoneinfo.ZoneInfo(competition.timezone),
    }


ANNOUNCEMENTS = 3  # the latest published rounds stay on the page: one may not be read yet


_ROUND_LINE = "round__timetable_item__"  # a round runs on its timetable line's floor


def _to_read(competition: Competition, on_floor: Q | None = None) -> list[dict]:
    """The latest published rounds (``on_floor``: of those, the floor's), newest first:
    a recall round's couples going through (by bib) or a final's places from the last
    to the winner, with clubs."""
    published = (
        StatusChange.objects.filter(
            on_floor or Q(),
            competition=competition,
            round__isnull=False,
            to_status=RoundStatus.PUBLISHED,
        )
        .select_related("round__event")
        .order_by("-at", "-id")
    )
    rounds = list({change.round_id: change.round for change in published}.values())
    rounds = rounds[:ANNOUNCEMENTS]
    placings: dict[int, list[Placing]] = {}
    for placing in (
        Placing.objects.filter(round__in=rounds)
        .select_related("entry__competitor")
        .order_by("-place", "-entry__competitor__bib")
    ):
        placings.setdefault(placing.round_id, []).append(placing)
    out = []
    for round_ in rounds:
        if round_.kind == RoundKind.FINAL or not round_.event.is_danced:
            out.append({"round": round_, "final": True, "places": placings.get(round_.pk, [])})
        else:
            recalled = [p for p in placings.get(round_.pk, []) if p.recalled]
            recalled.sort(key=lambda p: (p.entry.competitor.bib is None, p.entry.competitor.bib))
            out.append({"round": round_, "final": False, "recalled": recalled})
    return out


@never_cache
@announcer_required
def announcer(request, slug: str):
    competition = get_object_or_404(Competition, slug=slug)
    context = announcer_context(competition, floor_choice(request, competition))
    return render_live(
        request, "adjudication/announcer.html", "adjudication/_announcer_live.html", context
    )
