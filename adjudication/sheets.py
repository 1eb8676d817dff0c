"""What a judge sees: the rounds open on their panels and each sheet to fill; and the
service's input from a filled sheet (a page's form or an API body, ``SheetIn``)."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from rest_framework import serializers

from adjudication.component_sheet import (
    allocation_sentence,
    component_heats,
    component_marks_from_post,
    mark_key,
)
from adjudication.incidents.standing import round_standing
from adjudication.models import Sheet
from adjudication.selectors import finalist_order
from adjudication.services import SheetInput, round_entries
from competitions.components import judge_components
from competitions.models import (
    Criterion,
    Dance,
    Entry,
    HeatEntry,
    Judge,
    PanelSeat,
    Round,
    RoundStatus,
)
from competitions.selectors import seat_sits_in
from scoring_site.api import MAX_ID, plain_text


@dataclasses.dataclass(frozen=True)
class Part:
    """One sheet of a round: a dance (skating) or an entry (criteria)."""

    code: str  # "d12" or "e34", used in addresses
    label: str
    dance: Dance | None = None
    entry: Entry | None = None


@dataclasses.dataclass
class SheetView:
    judge: Judge
    round: Round
    part: Part
    heats: list[tuple[int, list[Entry]]]  # heat number, entries (recalls)
    finalists: list[Entry]  # shuffled per judge (finals)
    criteria: list[Criterion]
    sheet: Sheet | None
    # entry id (skating), criterion id (criteria) or "entry:criterion" (components) -> value
    marks: dict[Any, str]
    # Components: the ones this judge scores in this dance, each couple on each.
    components: list[Criterion] = dataclasses.field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.part.entry is not None:
            return "criteria"
        if self.round.event.is_components:
            return "components"
        return "final" if self.round.kind == "final" else "recall"

    @property
    def version(self) -> int:
        return self.sheet.version if self.sheet else 0

    @property
    def requested(self) -> int:
        active = sum(1 for _, entries in self.heats for e in entries if not e.withdrawn)
        return min(self.round.recall_count or 0, active)

    @property
    def crossed(self) -> list[Entry]:
        return [e for _, entries in self.heats for e in entries if e.pk in self.marks]

    @property
    def placed(self) -> list[tuple[str, Entry]]:
        return sorted(
            ((self.marks[e.pk], e) for e in self.finalists if e.pk in self.marks),
            key=lambda pair: int(pair[0]),
        )

    @property
    def scores(self) -> list[tuple[Criterion, str]]:
        return [(c, self.marks[c.pk]) for c in self.criteria if c.pk in self.marks]

    @property
    def scored_heats(self):
        """Components: each heat's couples with the scores stored on this sheet."""
        return component_heats(self.heats, self.components, self.marks)

    @property
    def takes_marks(self) -> bool:
        return self.round.status == RoundStatus.OPEN or bool(self.sheet and self.sheet.unlocked_at)


def judge_seated_in(judge: Judge) -> Exists:
    """The condition on rounds that ``judge`` sits on their panel (``round_panel``)."""
    return Exists(
        PanelSeat.objects.filter(event_id=OuterRef("event_id"), judge=judge).filter(seat_sits_in())
    )


def judge_rounds(judge: Judge) -> list[Round]:
    """Rounds of the judge's panels that are open now, in programme order; a replaced
    judge's seat ends before the replacement's first round."""
    rounds = (
        Round.objects.filter(status__in=[RoundStatus.OPEN, RoundStatus.CLOSED])
        .filter(judge_seated_in(judge))
        .select_related("event")
        .order_by("event__position", "position")
    )
    return list(rounds)


def round_parts(round_: Round) -> list[Part]:
    if round_.event.is_danced:
        return [
            Part(code=f"d{d.pk}", label=d.name, dance=d)
            for d in round_.event.dances.order_by("position")
        ]
    running = (
        HeatEntry.objects.filter(heat__round=round_, entry__withdrawn=False)
        .exclude(entry_id__in=round_standing(round_).set_aside)
        .select_related("entry__competitor")
        .order_by("heat__number", "position", "id")
    )
    return [
        Part(
            code=f"e{he.entry_id}",
            label=f"{he.entry.bib_label} {he.entry.competitor.display_name}",
            entry=he.entry,
        )
        for he in running
    ]


def part_get(round_: Round, code: str) -> Part | None:
    return next((p for p in round_parts(round_) if p.code == code), None)


def sheet_view(*, judge: Judge, round_: Round, part: Part) -> SheetView:
    lookup = {"dance": part.dance} if part.dance else {"entry": part.entry}
    sheet = Sheet.objects.filter(round=round_, judge=judge, **lookup).first()
    marks: dict[int, str] = {}
    if sheet is not None:
        for mark in sheet.marks.all():
            key = mark.criterion_id if part.entry else mark.entry_id
            if part.dance is not None and mark.criterion_id is not None:
                key = f"{mark.entry_id}:{mark.criterion_id}"  # a component sheet
            marks[key] = f"{mark.value.normalize():f}"
    heats: list[tuple[int, list[Entry]]] = []
    finalists: list[Entry] = []
    criteria: list[Criterion] = []
    components: list[Criterion] = []
    if part.dance is not None:
        # Couples absent, retired before this dance or disqualified are not on the sheet.
        away = round_standing(round_).not_dancing(part.dance)
        by_heat: dict[int, list[Entry]] = {}
        for he in (
            HeatEntry.objects.filter(heat__round=round_)
            .exclude(entry_id__in=away)
            .select_related("entry__competitor", "heat")
            .order_by("heat__number", "entry__competitor__bib")
        ):
            by_heat.setdefault(he.heat.number, []).append(he.entry)
        heats = sorted(by_heat.items())
        if round_.event.is_components:
            components = judge_components(round_, part.dance, judge)
        elif round_.kind == "final":
            # A random order per judge, so the list does not suggest an order (the same
            # order the judges' API gives).
            finalists = [
                e
                for e in finalist_order(
                    judge_id=judge.pk, round_id=round_.pk, entries=round_entries(round_)
                )
                if not e.withdrawn and e.pk not in away
            ]
    else:
        criteria = list(round_.event.criteria.order_by("position"))
    return SheetView(judge, round_, part, heats, finalists, criteria, sheet, marks, components)


def judge_progress(judge: Judge, round_: Round) -> list[tuple[Part, Sheet | None]]:
    sheets = {(s.dance_id, s.entry_id): s for s in Sheet.objects.filter(round=round_, judge=judge)}
    return [
        (
            part,
            sheets.get(
                (part.dance.pk if part.dance else None, part.entry.pk if part.entry else None)
            ),
        )
        for part in round_parts(round_)
    ]


def marks_from_post(view: SheetView, post) -> dict[Any, str]:
    """The marks of a submitted sheet form, keyed as the service expects."""
    if view.kind == "components":
        return component_marks_from_post(post)
    if view.kind == "recall":
        return {int(pk): "1" for pk in post.getlist("cross") if pk.isdigit()}
    if view.kind == "final":
        return {
            e.pk: post.get(f"place-{e.pk}", "").strip()
            for e in view.finalists
            if post.get(f"place-{e.pk}", "").strip()
        }
    return {c.pk: post.get(f"score-{c.pk}", "").strip() for c in view.criteria}


def as_int(value) -> int:
    """A form's integer, or -1 (which no version or revision matches)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def sheet_input_from_form(view: SheetView, post, *, default_reason: str = "") -> SheetInput:
    """The service's input from a posted sheet form (tablet page or paper entry)."""
    part = view.part
    return SheetInput(
        round_id=view.round.pk,
        judge_id=view.judge.pk,
        dance_id=part.dance.pk if part.dance else None,
        entry_id=part.entry.pk if part.entry else None,
        marks=marks_from_post(view, post),
        client_key=post.get("client_key", ""),
        base_version=as_int(post.get("base_version")),
        round_revision=as_int(post.get("round_revision")),
        reason=post.get("reason", "") or default_reason,
    )


def sheet_input_from_body(data: Mapping[str, Any], *, round_id: int, judge_id: int) -> SheetInput:
    """The service's input from a validated API body (the judge's or the desk's)."""
    return SheetInput(
        round_id=round_id,
        judge_id=judge_id,
        marks=data["marks"],
        client_key=data["client_key"],
        base_version=data["base_version"],
        round_revision=data["round_revision"],
        dance_id=data.get("dance_id"),
        entry_id=data.get("entry_id"),
        reason=data["reason"],
        accept_count_reason=data.get("accept_count_reason", ""),
    )


# --- The API's body of a sheet (the judges' API, and the desk's paper sheets) ----------------

MARK_VALUE = {"max_digits": 7, "decimal_places": 2}


class MarkValueField(serializers.DecimalField):
    """A number (or a decimal string) with at most 2 decimals, passed on as sent: not
    padded to 2 decimals, so the service's messages say "place 3", not "place 3.00"."""

    def __init__(self, **kwargs):
        super().__init__(**MARK_VALUE, coerce_to_string=False, **kwargs)

    def quantize(self, value):
        return value


class SheetIn(serializers.Serializer):
    dance_id = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Skating, components: the dance."
    )
    entry_id = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Criteria: the entry."
    )
    marks = serializers.DictField(
        child=MarkValueField(),
        help_text=(
            "Skating: entry id → 1 for each recalled couple, or each finalist's place. "
            "Criteria: criterion id → score. Components: “entry id:component id” → score "
            "for every couple dancing the dance and every component allocated to you there. "
            'Values are numbers or decimal strings ("8.5").'
        ),
    )
    client_key = serializers.CharField(
        max_length=64,
        help_text="The device's own key for this sending: the same key again is stored once.",
    )
    base_version = serializers.IntegerField(
        min_value=0, max_value=MAX_ID, help_text="The version you loaded; 0 for a new sheet."
    )
    round_revision = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The round's revision you loaded."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Why you change a sheet you already sent (required then).",
    )

    def validate_marks(self, marks: dict[str, Any]) -> dict[Any, Any]:
        bad = [k for k in marks if not _mark_key_valid(k)]
        if bad:
            raise serializers.ValidationError(
                "Mark entries (or criteria) by their id, a whole number, or a component "
                "score by “entry id:component id”: "
                + ", ".join(f"“{k}”" for k in bad[:5])
                + " is not one."
            )
        return {_mark_key(k): v for k, v in marks.items()}

    def validate(self, attrs):
        if ("dance_id" in attrs) == ("entry_id" in attrs):
            raise serializers.ValidationError(
                "Send dance_id (skating, components) or entry_id (criteria): one of them."
            )
        return attrs

    @classmethod
    def plain(cls, data: Any) -> dict[str, Any] | None:
        """What ``is_valid`` makes of a plainly well-formed body (integers, decimal strings,
        text; what devices send), without building the serializer's fields (costly, on
        every sheet); None for anything else, which the serializer then decides and words.
        The same data or None, never another answer (tests/adjudication/test_sheet_body.py
        holds the two side by side)."""
        # A subclass adds fields this does not know of (the desk's paper sheet).
        if cls is not SheetIn or type(data) is not dict:
            return None
        found: dict[str, Any] = {}
        for name in ("dance_id", "entry_id"):
            if name in data:
                if not _plain_int(data[name], 1):
                    return None
                found[name] = data[name]
        marks = data.get("marks")
        if len(found) != 1 or type(marks) is not dict:
            return None
        values: dict[Any, Decimal] = {}
        for key, value in marks.items():
            if type(key) is not str or not _mark_key_valid(key):
                return None
            if type(value) is int:
                if not -_PLAIN_MARK_INT < value < _PLAIN_MARK_INT:
                    return None
            elif type(value) is not str or not _PLAIN_MARK.fullmatch(value):
                return None
            values[_mark_key(key)] = Decimal(str(value))
        found["marks"] = values
        client_key = plain_text(data.get("client_key"), 64, required=True)
        base_version = data.get("base_version")
        round_revision = data.get("round_revision")
        reason = plain_text(data.get("reason", ""), 300, required=False)
        if (
            client_key is None
            or not _plain_int(base_version, 0)
            or not _plain_int(round_revision, 1)
            or reason is None
        ):
            return None
        found["client_key"] = client_key
        found["base_version"] = base_version
        found["round_revision"] = round_revision
        found["reason"] = reason
        return found


def _mark_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < len(text) <= 18


def _mark_key_valid(text: str) -> bool:
    """An entry's or a criterion's id, or a component score's "entry id:component id"."""
    return all(_mark_id(part) for part in text.split(":", 1))


def _mark_key(text: str) -> Any:
    if ":" in text:  # a component sheet: "entry id:component id"
        return tuple(int(part) for part in text.split(":", 1))
    return int(text)


# The marks ``SheetIn.plain`` takes as ``MarkValueField`` does: whole numbers of at most
# the field's whole digits, and decimal strings of ASCII digits with at most its decimal
# places (Decimal reads other scripts' digits too, and exponents; the serializer decides
# those, and whitespace it strips).
_PLAIN_MARK_INT = 10 ** (MARK_VALUE["max_digits"] - MARK_VALUE["decimal_places"])
_PLAIN_MARK = re.compile(r"[0-9]{1,5}(?:\.[0-9]{1,2})?")


def _plain_int(value: Any, low: int) -> bool:
    """An IntegerField's value taken as is: an int, not a bool, float or string."""
    return type(value) is int and low <= value <= MAX_ID


def sheet_form_context(view: SheetView, judge: Judge, error, posted) -> dict[str, Any]:
    """What the sheet form's template needs, on the tablet and on the desk's paper sheet:
    the marks posted (or stored), a fresh idempotency key, the final's places."""
    shown = {mark_key(k): v for k, v in (posted or view.marks).items()}
    return {
        "view": view,
        "judge": judge,
        "error": error,
        "posted": shown,
        "client_key": uuid.uuid4().hex,
        "places": range(1, len(view.finalists) + 1),
        "component_heats": component_heats(view.heats, view.components, shown)
        if view.kind == "components"
        else [],
        "allocation": allocation_sentence(view.components, view.part.label)
        if view.kind == "components"
        else "",
    }
