"""Every mark is written here, and every round is closed here.

``sheet_submit`` is the one way a sheet reaches the database, whoever sends it (a
tablet page, the API, a paper sheet typed at the desk, the simulator). Inside one
transaction it holds the round (shared with the round's other sheets, not with
closing it), checks the round is open (or the sheet unlocked by the chairman), that
the judge sits on the panel, that the sheet was loaded in the round's current
revision and the sheet's current version, that every entry is in the round and has
not withdrawn, and that the sheet is complete and valid; then it writes the whole
sheet, records each mark's change in the audit trail, and announces the change after
commit. The same device key again is stored once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, UniqueConstraint
from django.utils import timezone

from accounts.models import User
from adjudication.incidents.miscount import miscount_accept_record, miscount_acceptance_check
from adjudication.models import Mark, MarkChange, Sheet
from adjudication.receipts.issuing import receipts_supersede
from adjudication.selectors import (
    USER_SEATS_IN_ROUND,
    judge_in_round,
    judge_of_seats,
    user_seats_from_rows,
)
from adjudication.services.common import (
    ScoringError,
    permission_require,
    round_lock,
    round_share,
    round_share_statement,
    round_shared,
)
from adjudication.services.components import component_marks_check
from adjudication.services.marks import (
    ENTRIES_TO_MARK,
    EntryToMark,
    criteria_marks_check,
    entries_to_mark,
    skating_marks_check,
)
from adjudication.services.rounds import round_retabulate
from competitions.models import (
    Dance,
    Entry,
    HeatEntry,
    Judge,
    PanelSeat,
    Round,
    RoundStatus,
    ScoringMethod,
)
from competitions.selectors import seat_sits_in
from scoring_site import rows
from scoring_site.realtime import announce

_UNREAD = object()  # the dance, when round_share did not read it


@dataclasses.dataclass(frozen=True)
class SheetInput:
    """What a device sends: one judge's marks for one dance (skating) or one entry
    (criteria) of a round.

    ``judge_id`` None: the judge is the ``actor``'s seat on the round's panel (the
    judges' API), found under the round's lock; ``SeatNotFound`` or ``SeatAmbiguous``
    when there is not exactly one.

    ``marks`` maps an entry id to its value for skating sheets (1 for a recall cross,
    the place in a final), or a criterion id to its score for criteria sheets.
    ``base_version`` is the sheet version the device loaded (0 for a new sheet) and
    ``round_revision`` the round's revision it was loaded in.
    """

    round_id: int
    judge_id: int | None
    marks: Mapping[int, Any]
    client_key: str
    base_version: int
    round_revision: int
    dance_id: int | None = None
    entry_id: int | None = None
    reason: str = ""
    accept_count_reason: str = ""  # the chairman accepts a recall sheet's wrong count


@dataclasses.dataclass(frozen=True, slots=True)
class StoredMark:
    """One mark of a stored sheet, as an answer shows it (``own_sheet``)."""

    entry_id: int
    criterion_id: int | None
    value: Decimal


@dataclasses.dataclass(frozen=True)
class SheetOutcome:
    """The sheet as stored, its judge and its marks (so an answer needs no query to show
    them)."""

    sheet: Sheet
    judge: Judge
    replayed: bool
    marks: list[StoredMark]


@transaction.atomic
def sheet_submit(
    *, data: SheetInput, actor: User | None, source: str = Sheet.Source.TABLET
) -> SheetOutcome:
    """Store one judge's sheet, whole or not at all. Raises ``ScoringError``.

    A correction of a closed round (a sheet the chairman unlocked) holds the round
    exclusively and re-tabulates it in the same transaction."""
    ahead = _read_ahead(data, actor)
    shared = ahead.shared if ahead else round_share(data.round_id, dance_id=data.dance_id)
    correcting = shared is None  # closed (or no such round: round_lock raises)
    round_, dance = shared if shared is not None else (round_lock(data.round_id), _UNREAD)
    event = round_.event
    read = _skating_sheet_read(round_, dance, ahead)
    if read is not None:
        judge = read.judge
    elif data.judge_id is None:
        judge = judge_in_round(user=actor, round_=round_)
    else:
        judge = _seated_judge(round_, data.judge_id)
    if not data.client_key or len(data.client_key) > 64:
        raise ScoringError("The sheet needs a device key of 1 to 64 characters.")
    if judge.shadow and source == Sheet.Source.PAPER:
        raise ScoringError(
            f"Judge {judge.letter} is a shadow judge: their sheets come from their tablet "
            "and never count, so the desk does not type them in.",
            "not_on_panel",
        )
    part, lookup, label = _sheet_part(round_, data, dance)
    if read is not None and not read.sheet_sent:
        existing = None  # a second device's sheet meanwhile: refused by the unique key
    else:
        existing = _sheets_query(round=round_, judge=judge, **lookup).first()
    if existing is not None and existing.client_key == data.client_key:
        return _replayed(existing, judge, data)
    _check_sheet_is_due(round_, existing, data)
    accepting = miscount_acceptance_check(round_, data, actor=actor, source=source)
    entries = read.entries if read is not None else None
    values = _checked_values(round_, part, data, judge, accept_count=accepting, entries=entries)
    resent = existing is not None and existing.returned_at is not None
    reason = data.reason.strip() or ("sent again after a redance" if resent else "")
    now = timezone.now()
    sheet, old, kind = _sheet_store(
        round_, judge, existing, lookup, data=data, actor=actor, source=source, now=now
    )
    if accepting:
        _sheet_insert(sheet)
        miscount_accept_record(round_, sheet, data=data, actor=actor, now=now)
    if old:
        sheet.marks.all().delete()
    # A correction of a closed round is re-tabulated after; else COMMIT goes with it.
    _marks_write(sheet, kind, old, values, actor=actor, reason=reason, now=now, last=not correcting)
    marks = [StoredMark(*key, value) for key, value in values.items()]
    if correcting and source != Sheet.Source.PAPER:
        why = f"judge {judge.letter} corrected {label}" + (f": {reason}" if reason else "")
        round_retabulate(round_, reason=why)
    announce(
        event.competition_id,
        "sheet.submitted",
        {"round": round_.pk, "judge": judge.letter, "part": label, "version": sheet.version},
    )
    return SheetOutcome(sheet, judge, replayed=False, marks=marks)


def _marks_write(
    sheet: Sheet,
    kind: str,
    old: dict[tuple[int, int | None], Decimal],
    values: dict[tuple[int, int | None], Decimal],
    *,
    actor: User | None,
    reason: str,
    now: datetime.datetime,
    last: bool,
) -> None:
    """The sheet's marks and an audit row for each mark changed, with the sheet if it is
    new: in one statement on PostgreSQL, its rows taking its key from it (rows.PARENT).
    ``last``: the transaction's last statement (``rows.last_statement``)."""
    new = sheet.pk is None
    sheet_pk = rows.PARENT if new else sheet.pk
    actor_id = actor.pk if actor else None
    changes = [
        (sheet.round_id, sheet_pk, sheet.judge_id, kind, key[0], key[1], sheet.dance_id)
        + (old.get(key), values.get(key), sheet.version, actor_id, sheet.source, reason[:300])
        + (now,)
        for key in sorted(set(old) | set(values), key=lambda k: (k[0], k[1] or 0))
        if old.get(key) != values.get(key)
    ]
    marks_and_trail = [
        (Mark, _MARK_FIELDS, [(sheet_pk, *key, value) for key, value in values.items()]),
        (MarkChange, _CHANGE_FIELDS, changes),
    ]
    if new:
        with _second_sheet_refused():
            pk = rows.insert_values(marks_and_trail, parent=_sheet_row(sheet), last=last)
        rows.saved([sheet], [pk])
    else:
        rows.insert_values(marks_and_trail, last=last)


# The marks and their audit rows as written, one value a field (rows.insert_values).
_MARK_FIELDS = ("sheet", "entry", "criterion", "value")
_CHANGE_FIELDS = (
    "round", "sheet", "judge", "kind", "entry", "criterion", "dance", "old_value", "new_value",
    "sheet_version", "actor", "source", "reason", "at",
)  # fmt: skip


def _sheets_query(**lookup: Any) -> QuerySet[Sheet]:
    """Sheets by ``lookup``, locked for update."""
    # order_by("pk"): the default ordering joins dance, and PostgreSQL refuses FOR UPDATE
    # on the nullable side of that outer join (criteria sheets have no dance).
    return Sheet.objects.select_for_update(of=("self",)).filter(**lookup).order_by("pk")


@dataclasses.dataclass(frozen=True)
class _ReadAhead:
    """A tablet's sheet's reads, in one round trip: the round as ``round_share`` reads it
    (None: closed) and the rows of the user's seats in it (with whether their judge sent
    a sheet of the dance) and of the round's entries to mark."""

    shared: tuple[Round, Dance | None] | None
    seats: list[tuple]
    entries: list[tuple]


def _read_ahead(data: SheetInput, actor: User | None) -> _ReadAhead | None:
    """For a judge's own sheet of a dance (a tablet's), the round shared with what a
    skating sheet of an open round checks (``_skating_sheet_read``), read at once: the
    round's lock is the first statement, the others take none. None for every other
    sheet, whose reads follow the round's one at a time."""
    if data.judge_id is not None or actor is None:
        return None
    if data.dance_id is None or data.entry_id is not None:
        return None
    shared, seats, entries = rows.read_batch(
        tablet_sheet_reads(round_id=data.round_id, dance_id=data.dance_id, user_id=actor.pk)
    )
    return _ReadAhead(round_shared(shared[0] if shared else None), seats, entries)


def tablet_sheet_reads(*, round_id: int, dance_id: int, user_id: int) -> list[tuple[str, list]]:
    """The statements ``_read_ahead`` sends, in order: the round in SHARE mode with the
    dance, the user's seats in the round (each with whether its judge sent a sheet of the
    dance), the round's entries."""
    return [
        round_share_statement(round_id, dance_id=dance_id),
        USER_SEATS_IN_ROUND.statement(user_id=user_id, round_id=round_id, dance_id=dance_id),
        ENTRIES_TO_MARK.statement(round_id=round_id),
    ]


@dataclasses.dataclass(frozen=True)
class _SkatingSheetRead:
    judge: Judge
    sheet_sent: bool  # as read ahead: the sheet is read again, locked, only if so
    entries: list[EntryToMark]


def _skating_sheet_read(
    round_: Round, dance: Any, ahead: _ReadAhead | None
) -> _SkatingSheetRead | None:
    """For a judge's own skating sheet of an open round (the tablets' case), read ahead:
    their seat, whether they sent a sheet of the dance, and the round's entries to mark,
    as ``judge_in_round``, ``_sheets_query`` and ``skating_marks_check`` read them. None
    for every other sheet, read one query at a time."""
    event = round_.event
    if (
        ahead is None
        or ahead.shared is None
        or not isinstance(dance, Dance)
        or event.is_components
        or event.scoring_method != ScoringMethod.SKATING
    ):
        return None
    seats = user_seats_from_rows(ahead.seats)
    judge = judge_of_seats(seats)  # the one seat's judge
    return _SkatingSheetRead(judge, seats[0][0].sheet_sent, entries_to_mark(ahead.entries))


def _seated_judge(round_: Round, judge_id: int) -> Judge:
    """The judge, refused (``not_on_panel``) unless seated on the round's panel (a
    replaced judge sits no more from the replacement's round on) or in a shadow seat
    (annotated ``shadow``: their sheets are kept, never counted)."""
    event = round_.event
    seats = PanelSeat.objects.filter(
        seat_sits_in(round_.position), event=event, judge=OuterRef("pk")
    )
    judge = (
        Judge.objects.filter(pk=judge_id)
        .annotate(seated=Exists(seats), shadow=Exists(seats.filter(shadow=True)))
        .get()
    )
    if judge.competition_id != event.competition_id:
        raise ScoringError("This judge belongs to another competition.", "not_on_panel")
    if not judge.seated:
        raise ScoringError(
            f"Judge {judge.letter} is not on the panel of {event.name}.", "not_on_panel"
        )
    return judge


def _sheet_part(
    round_: Round, data: SheetInput, dance: Any = _UNREAD
) -> tuple[Dance | Entry, dict[str, Any], str]:
    """What the sheet marks: a dance (skating) or an entry (criteria, annotated with
    ``in_round``), the sheet's look-up by it, and its label in the announcement.
    ``dance``: the event's dance ``data.dance_id`` (or None), if read with the round."""
    event = round_.event
    if event.is_danced:
        if dance is _UNREAD:
            # order_by("pk"): the default ordering (by event) joins event and competition.
            dance = Dance.objects.filter(pk=data.dance_id, event=event).order_by("pk").first()
        if dance is None or data.entry_id is not None:
            raise ScoringError(f"Choose one of the dances of {event.name}.")
        return dance, {"dance": dance}, dance.name
    in_round = HeatEntry.objects.filter(heat__round=round_, entry=OuterRef("pk"))
    entry = (
        Entry.objects.select_related("competitor")
        .filter(pk=data.entry_id, event=event)
        .annotate(in_round=Exists(in_round))
        .order_by("pk")  # not the default ordering, which joins event and competition
        .first()
    )
    if entry is None or data.dance_id is not None:
        raise ScoringError(f"Choose one of the entries of {event.name}.")
    return entry, {"entry": entry}, str(entry.competitor)


def _replayed(existing: Sheet, judge: Judge, data: SheetInput) -> SheetOutcome:
    """The stored sheet when a device sends it again under its key; a conflict when the
    same key comes with other marks."""
    stored = [
        StoredMark(*row) for row in existing.marks.values_list("entry_id", "criterion_id", "value")
    ]
    if _stored_values(existing, stored) == _normalise(data.marks):
        return SheetOutcome(existing, judge, replayed=True, marks=stored)
    raise ScoringError(
        "This device sent a different sheet under the same key; reload the sheet.",
        "conflict",
    )


def _check_sheet_is_due(round_: Round, existing: Sheet | None, data: SheetInput) -> None:
    """Refuse a sheet the round does not take now, or one loaded in an earlier revision of
    the round or version of the sheet, or a change without a reason."""
    unlocked = existing is not None and existing.unlocked_at is not None
    if round_.status != RoundStatus.OPEN and not (round_.status == RoundStatus.CLOSED and unlocked):
        state = "published" if round_.status == RoundStatus.PUBLISHED else round_.status
        raise ScoringError(
            f"{round_} is {state}: it takes no marks now. Ask the chairman if a mark is wrong.",
            "closed",
        )
    if data.round_revision != round_.revision:
        raise ScoringError(
            "The round was reopened after this sheet was loaded: reload it and check your marks.",
            "stale",
        )
    current_version = existing.version if existing else 0
    if data.base_version != current_version:
        raise ScoringError(
            "This sheet was changed on another device meanwhile: reload it to see the marks "
            "that were kept.",
            "conflict",
        )
    # A sheet the desk returned for a redance is sent again without a reason: the
    # redance is the reason.
    if existing is not None and existing.returned_at is None and not data.reason.strip():
        raise ScoringError("Say why you are changing a sheet you already sent.")


def _checked_values(
    round_: Round,
    part: Dance | Entry,
    data: SheetInput,
    judge: Judge,
    *,
    accept_count: bool = False,
    entries: list[EntryToMark] | None = None,
) -> dict[tuple[int, int | None], Decimal]:
    """The sheet's marks, checked, by (entry id, criterion id or None); ``entries``: a
    skating round's, if read already."""
    if round_.event.is_components:
        return dict(component_marks_check(round_, part, judge, data.marks))
    if round_.event.scoring_method == ScoringMethod.SKATING:
        checked = skating_marks_check(
            round_, data.marks, dance_id=data.dance_id, accept_count=accept_count, entries=entries
        )
        return {(entry_id, None): v for entry_id, v in checked.items()}
    checked = criteria_marks_check(round_, part, data.marks, in_round=part.in_round)
    return {(part.pk, pk): v for pk, v in checked.items()}


def _sheet_store(
    round_: Round,
    judge: Judge,
    existing: Sheet | None,
    lookup: dict[str, Any],
    *,
    data: SheetInput,
    actor: User | None,
    source: str,
    now: datetime.datetime,
) -> tuple[Sheet, dict[tuple[int, int | None], Decimal], str]:
    """The sheet in its new version (a new one not saved yet: ``_sheet_insert``), its
    marks before (empty for a new sheet) and the kind of change for the trail."""
    if existing is None:
        sheet = Sheet(
            round=round_,
            judge=judge,
            version=1,
            round_revision=round_.revision,
            client_key=data.client_key,
            source=source,
            submitted_by=actor,
            submitted_at=now,
            shadow=judge.shadow,
            **lookup,
        )
        return sheet, {}, MarkChange.Kind.SUBMITTED
    sheet = existing
    old = {
        (entry_id, criterion_id): value
        for entry_id, criterion_id, value in sheet.marks.values_list(
            "entry_id", "criterion_id", "value"
        )
    }
    sheet.version += 1
    sheet.round_revision = round_.revision
    sheet.client_key = data.client_key
    sheet.source = source
    sheet.submitted_by = actor
    sheet.submitted_at = now
    sheet.confirmed_by = sheet.confirmed_at = None
    sheet.unlocked_by = sheet.unlocked_at = None
    sheet.returned_by = sheet.returned_at = None
    sheet.count_accepted_by, sheet.count_accepted_reason = None, ""
    sheet.save()
    return sheet, old, MarkChange.Kind.CORRECTED


# Every column of a new sheet's row but its key, as written by rows.insert_values.
_SHEET_FIELDS = tuple(f.attname for f in Sheet._meta.concrete_fields if not f.primary_key)


def _sheet_row(sheet: Sheet) -> tuple[type[Sheet], tuple[str, ...], list[Any]]:
    return Sheet, _SHEET_FIELDS, [getattr(sheet, name) for name in _SHEET_FIELDS]


def _sheet_insert(sheet: Sheet) -> None:
    """Write a new sheet's row alone (its marks come after another row that needs it)."""
    if sheet.pk is None:
        with _second_sheet_refused():
            rows.insert_instances(Sheet, _SHEET_FIELDS, [sheet])


_ONE_SHEET = {c.name for c in Sheet._meta.constraints if isinstance(c, UniqueConstraint)}


@contextlib.contextmanager
def _second_sheet_refused():
    """A second sheet for the same part and judge (another device got there first) is a
    conflict to reload; every other refusal of the database stays what it is. No
    savepoint: the refusal leaves sheet_submit at once, and its transaction (or its
    savepoint, when called inside another) is rolled back on the way out."""
    try:
        yield
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        sqlite = str(error).startswith(f"UNIQUE constraint failed: {Sheet._meta.db_table}.")
        if constraint in _ONE_SHEET or sqlite:
            raise ScoringError(
                "This sheet was sent from another device a moment ago: reload it.", "conflict"
            ) from None
        raise


def _normalise(marks: Mapping[Any, Any]) -> dict[Any, Decimal]:
    try:
        return {
            (tuple(int(p) for p in k) if isinstance(k, tuple) else int(k)): Decimal(str(v))
            for k, v in marks.items()
        }
    except (InvalidOperation, ValueError, TypeError):
        return {}


def _stored_values(sheet: Sheet, marks: list[StoredMark]) -> dict[Any, Decimal]:
    if sheet.dance_id is not None and any(m.criterion_id for m in marks):
        return {(m.entry_id, m.criterion_id): m.value for m in marks}  # a component sheet
    if sheet.entry_id is not None:
        return {m.criterion_id: m.value for m in marks}
    return {m.entry_id: m.value for m in marks}


@transaction.atomic
def sheet_confirm(*, sheet: Sheet, actor: User) -> Sheet:
    """A second person confirms a paper sheet typed at the desk; only then it counts."""
    round_ = round_lock(sheet.round_id)
    permission_require(
        actor,
        "adjudication.confirm_paper_sheet",
        "confirm paper sheets",
        round_.event.competition_id,
    )
    sheet = Sheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk)
    if sheet.source != Sheet.Source.PAPER:
        raise ScoringError("Only sheets typed from paper need a confirmation.")
    if sheet.confirmed_at is not None:
        raise ScoringError("This paper sheet is already confirmed.")
    if sheet.submitted_by_id == actor.pk:
        raise ScoringError(
            "The person who typed a paper sheet cannot confirm it: ask a colleague.", "forbidden"
        )
    sheet.confirmed_by, sheet.confirmed_at = actor, timezone.now()
    sheet.save(update_fields=["confirmed_by", "confirmed_at"])
    MarkChange.objects.create(
        round=sheet.round,
        sheet=sheet,
        judge=sheet.judge,
        kind=MarkChange.Kind.CONFIRMED,
        dance=sheet.dance,
        entry=sheet.entry,
        sheet_version=sheet.version,
        actor=actor,
        source=Sheet.Source.PAPER,
        at=sheet.confirmed_at,
    )
    if round_.status == RoundStatus.CLOSED:
        round_retabulate(
            round_, reason=f"judge {sheet.judge.letter}'s paper sheet (a correction) confirmed"
        )
    announce(round_.event.competition_id, "sheet.confirmed", {"round": sheet.round_id})
    return sheet


@transaction.atomic
def sheet_unlock(*, sheet: Sheet, actor: User, reason: str) -> Sheet:
    """The chairman unlocks one sheet of a closed round so its judge can correct it."""
    round_ = round_lock(sheet.round_id)
    permission_require(
        actor,
        "adjudication.unlock_sheet",
        "unlock sheets (the chairman does)",
        round_.event.competition_id,
    )
    if round_.status != RoundStatus.CLOSED:
        raise ScoringError("Only sheets of a closed, unpublished round are unlocked.")
    if not reason.strip():
        raise ScoringError("Say why the sheet is unlocked.")
    sheet = Sheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk)
    if sheet.shadow:
        raise ScoringError("A shadow judge's sheet never counts: there is nothing to correct.")
    sheet.unlocked_by, sheet.unlocked_at = actor, timezone.now()
    sheet.save(update_fields=["unlocked_by", "unlocked_at"])
    MarkChange.objects.create(
        round=round_,
        sheet=sheet,
        judge=sheet.judge,
        kind=MarkChange.Kind.UNLOCKED,
        dance=sheet.dance,
        entry=sheet.entry,
        sheet_version=sheet.version,
        actor=actor,
        source="desk",
        reason=reason.strip()[:300],
        at=sheet.unlocked_at,
    )
    receipts_supersede(
        round_, f"judge {sheet.judge.letter}'s sheet unlocked: {reason.strip()}", judge=sheet.judge
    )
    announce(round_.event.competition_id, "sheet.unlocked", {"round": round_.pk})
    return sheet
