"""A competitor's registration: the window, the details, the places taken, waiting lists,
and the answer to a registration sent again."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from competitions.models import (
    Competition,
    CompetitionStatus,
    Competitor,
    Entry,
    EntryKind,
    EntryStatus,
    Event,
    OutboxJob,
    RegistrationLink,
    StatusChange,
)
from competitions.outbox import queue_job, relay_after_commit
from competitions.registration.links import link_get_valid_with_events
from competitions.registration.places import (
    PlacesRefused,
    take_event_place,
    take_last_places,
    take_places,
)
from competitions.registration.refusals import (
    LinkRefused,
    RegistrationInvalid,
    RegistrationRefused,
    capacity_reached,
    check_name,
    events_full,
)
from scoring_site import rows
from scoring_site.api import MAX_ID


@dataclass(frozen=True)
class CompetitorDetails:
    kind: str
    name: str
    partner_name: str = ""
    members: tuple[str, ...] = ()
    club: str = ""
    country: str = ""
    email: str = ""
    birth_year: int | None = None
    partner_birth_year: int | None = None


@dataclass(frozen=True)
class RegistrationResult:
    """What a registration did. Interfaces answer the same way whatever it holds (no
    reference, nothing of the competitor): ``created`` False means the names and email
    were registered already, nothing was added, and their reference went to that email."""

    competitor: Competitor
    entries: tuple[Entry, ...]
    created: bool = True

    @property
    def reference(self) -> str:
        return self.competitor.reference or ""


@dataclass(frozen=True)
class RegistrationWindow:
    """Whether a competition takes registrations now: ``state`` is ``open``, ``not_yet``
    or ``closed``; ``at`` is when it opens (not yet) or when it closed, when known."""

    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"

    state: str
    at: dt.datetime | None = None
    message: str = ""


def _closed_at(competition: Competition, now) -> dt.datetime | None:
    closes = competition.registration_closes_at
    if closes and closes <= now:
        return closes
    moved = (
        StatusChange.objects.filter(
            competition=competition,
            round__isnull=True,
            from_status=CompetitionStatus.REGISTRATION_OPEN,
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return moved


def registration_window(competition: Competition, now=None) -> RegistrationWindow:
    """The competition's registration window as the public sees it now."""
    now = now or timezone.now()
    name = competition.name
    opens, closes = competition.registration_opens_at, competition.registration_closes_at
    is_open = competition.status == CompetitionStatus.REGISTRATION_OPEN
    if competition.status == CompetitionStatus.DRAFT or (is_open and opens and now < opens):
        if opens and opens > now:
            when = f"{timezone.localtime(opens):%d %b %Y at %H:%M}"
            message = f"Registration for {name} is not open yet: it opens on {when}."
            return RegistrationWindow(RegistrationWindow.NOT_YET, opens, message)
        return RegistrationWindow(
            RegistrationWindow.NOT_YET, None, f"Registration for {name} is not open yet."
        )
    if is_open and not (closes and now >= closes):
        return RegistrationWindow(RegistrationWindow.OPEN)
    closed = _closed_at(competition, now)
    message = f"Registration for {name} is not open: it has closed."
    if closed:
        message = (
            f"Registration for {name} is not open: it closed on "
            f"{timezone.localtime(closed):%d %b %Y at %H:%M}."
        )
    return RegistrationWindow(RegistrationWindow.CLOSED, closed, message)


def registration_window_problem(competition: Competition, now=None) -> str | None:
    """Why registrations cannot be taken now, or None."""
    window = registration_window(competition, now)
    return None if window.state == RegistrationWindow.OPEN else window.message


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _detail_errors(details: CompetitorDetails, competition: Competition, errors: dict) -> None:
    """The competitor's own details: names by kind, country, club, years of birth."""
    kind = details.kind if details.kind in EntryKind.values else None
    if kind is None:
        _add(errors, "kind", "Choose couple, solo or group.")
    label = {EntryKind.COUPLE: "leader's name", EntryKind.GROUP: "group's name"}.get(kind, "name")
    check_name(details.name, "name", label, errors)
    if kind == EntryKind.COUPLE:
        check_name(details.partner_name, "partner_name", "partner's name", errors)
    elif kind and details.partner_name.strip():
        _add(errors, "partner_name", "Only a couple has a partner.")
    if kind == EntryKind.GROUP:
        for member in details.members:
            check_name(member, "members", "members' names", errors)
    elif kind and details.members:
        _add(errors, "members", "Only a group lists its members.")
    if details.country and not re.fullmatch(r"[A-Z]{2,3}", details.country):
        _add(errors, "country", "Use the country's ISO code in capitals, e.g. GB, DE or USA.")
    if len(details.club) > 200:
        _add(errors, "club", "The club's name is too long (200 characters at most).")
    year = competition.starts_on.year
    for name, birth_year in (
        ("birth_year", details.birth_year),
        ("partner_birth_year", details.partner_birth_year),
    ):
        if birth_year is not None and not year - 100 <= birth_year <= year - 3:
            _add(errors, name, f"{birth_year} is not a plausible year of birth.")


def _event_errors(
    details: CompetitorDetails, events: Sequence[Event], competition: Competition, errors: dict
) -> None:
    """Each chosen event against the kind and the ages."""
    year = competition.starts_on.year
    kind = details.kind if details.kind in EntryKind.values else None
    for event in events:
        if kind and event.entry_kind != kind:
            _add(
                errors,
                "events",
                f"“{event.name}” is for {EntryKind(event.entry_kind).label.lower()} entries, "
                f"not {EntryKind(kind).label.lower()} ones.",
            )
        if event.min_age is None and event.max_age is None:
            continue
        people = [("birth_year", details.birth_year)]
        if kind == EntryKind.COUPLE:
            people.append(("partner_birth_year", details.partner_birth_year))
        for field_name, birth_year in people:
            if birth_year is None:
                _add(
                    errors, field_name, f"“{event.name}” has an age group: give the year of birth."
                )
                continue
            age = year - birth_year
            if (event.min_age is not None and age < event.min_age) or (
                event.max_age is not None and age > event.max_age
            ):
                _add(
                    errors,
                    "events",
                    f"“{event.name}” is for ages {event.min_age or 0}–{event.max_age or '…'} in "
                    f"{year}; someone born in {birth_year} is {age}.",
                )


# What a registration reads of its events (the checks, the places, the answer to names
# registered already): a third of the columns, so a cheaper statement to compose.
_EVENT_FIELDS = (
    "competition_id",
    "name",
    "entry_kind",
    "min_age",
    "max_age",
    "entry_limit",
    "entries_taken",
    "waiting_list",
)


def _storable(event_ids: Sequence[int]) -> list[int]:
    """The ids, once each, in order, without those no row can have (an unknown event,
    not a query SQLite refuses)."""
    return [pk for pk in sorted(set(event_ids)) if 0 < pk <= MAX_ID]


def registration_link_get(
    *, token: str, event_ids: Sequence[int]
) -> tuple[RegistrationLink, list[Event]]:
    """The live competitor link for ``token`` and the competition's events among
    ``event_ids``, as ``registration_submit`` takes them, in one statement; refused as
    ``link_get_valid`` refuses."""
    return link_get_valid_with_events(
        token=token,
        kind=RegistrationLink.Kind.COMPETITOR,
        event_ids=_storable(event_ids),
        event_fields=_EVENT_FIELDS,
    )


def registration_errors(
    *,
    competition: Competition,
    details: CompetitorDetails,
    event_ids: Sequence[int],
    events: list[Event] | None = None,
) -> tuple[dict[str, list[str]], list[Event]]:
    """Everything wrong with a registration's details and choice of events, all at once
    (field → messages; empty when it may go ahead), and the chosen events (``events``,
    when read already by ``registration_link_get``)."""
    errors: dict[str, list[str]] = {}
    unique_ids = sorted(set(event_ids))
    if events is None:
        events = _events_read(competition, _storable(event_ids))
    if not event_ids:
        _add(errors, "events", "Choose at least one event.")
    if len(unique_ids) != len(event_ids):
        _add(errors, "events", "An event is chosen twice.")
    if len(events) != len(unique_ids):
        _add(errors, "events", "One of the chosen events is not part of this competition.")
    _detail_errors(details, competition, errors)
    _event_errors(details, events, competition, errors)
    return {k: list(dict.fromkeys(v)) for k, v in errors.items()}, events


def _events_read(competition: Competition, ids: Sequence[int]) -> list[Event]:
    """The competition's events among ``ids``, by id, with ``_EVENT_FIELDS`` only."""
    if not ids:
        return []
    names = ("id", *_EVENT_FIELDS)
    sql = (
        f"SELECT {rows.columns('e', Event, names)} "  # nosec B608: the model's own names
        f"FROM {connection.ops.quote_name(Event._meta.db_table)} e "
        f"WHERE e.competition_id = %s AND e.id IN ({', '.join(['%s'] * len(ids))}) "
        "ORDER BY e.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [competition.pk, *ids])
        return [rows.from_row(Event, row, names) for row in cursor.fetchall()]


# What a registration writes of a new competitor (the rest are empty until bibs are
# given), and of its entries.
_COMPETITOR_COLUMNS = (
    "competition_id",
    "kind",
    "name",
    "partner_name",
    "members",
    "club",
    "country",
    "email",
    "birth_year",
    "partner_birth_year",
    "reference",
    "created_at",
)
_ENTRY_COLUMNS = ("event_id", "competitor_id", "status", "withdrawn", "created_at")


# The registration's names looked up as the unique index on the lower-cased names has
# them (LOWER() on both sides, as Django's Lower() writes it on both databases), written
# out: built by the ORM, this was the costliest statement of a registration to compose.
_SAME_NAMES = (
    f"SELECT id, kind, email FROM {Competitor._meta.db_table} "  # nosec B608: model's table
    "WHERE competition_id = %s AND LOWER(name) = LOWER(%s) AND LOWER(partner_name) = LOWER(%s) "
    "LIMIT 1"
)


def _new_competitor(competition: Competition, details: CompetitorDetails) -> Competitor:
    return Competitor(
        competition=competition,
        kind=details.kind,
        name=details.name.strip(),
        partner_name=details.partner_name.strip(),
        members="\n".join(m.strip() for m in details.members),
        club=details.club.strip(),
        country=details.country,
        email=details.email.strip(),
        birth_year=details.birth_year,
        partner_birth_year=details.partner_birth_year,
        reference=secrets.token_urlsafe(18),
        created_at=timezone.now(),
    )


_CONFIRMATION = "competitions.send_registration_confirmation"


def _registration_write(
    competitor: Competitor, events: Sequence[Event], site: str
) -> tuple[Competitor, list[Entry] | None]:
    """The competitor with these names: the one registered already (and None), or
    ``competitor`` written with its entries in ``events`` and the confirmation job.

    The entries are written before any place is taken, while no hot row is locked. A
    simultaneous registration of the same names is settled by the unique index: the
    refusal ends the registration, whose transaction it rolls back (no savepoint)."""
    entries = [
        Entry(event=e, competitor=competitor, created_at=competitor.created_at) for e in events
    ]
    try:
        if connection.vendor == "postgresql":
            known = _write_in_one_statement(competitor, entries, site)
        else:
            known = _write_each(competitor, entries, site)
    except IntegrityError:
        raise RegistrationRefused.single(
            "Competitors with these names were registered a moment ago. If that was you, "
            "check your email for the confirmation.",
            "name",
            code=RegistrationRefused.UNAVAILABLE,
        ) from None
    if known is None:
        return competitor, entries
    pk, kind, email = known
    if kind != competitor.kind or email.casefold() != competitor.email.casefold():
        raise RegistrationRefused.single(
            "Competitors with these names are already registered. If that is you, "
            "register with the same email address as before.",
            "name",
        )
    return Competitor.objects.get(pk=pk), None


def _names(competitor: Competitor) -> list:
    return [competitor.competition_id, competitor.name, competitor.partner_name]


def _write_each(competitor: Competitor, entries: list[Entry], site: str):
    """``_registration_write`` a statement at a time: the known competitor's id, kind and
    email, or None when ``competitor`` and ``entries`` were written (and saved)."""
    with connection.cursor() as cursor:
        cursor.execute(_SAME_NAMES, _names(competitor))
        known = cursor.fetchone()
    if known is not None:
        return known
    rows.insert_instances(Competitor, _COMPETITOR_COLUMNS, [competitor])
    for entry in entries:
        entry.competitor = competitor  # its id, now that it has one
    rows.insert_instances(Entry, _ENTRY_COLUMNS, entries)
    queue_job(_CONFIRMATION, competitor.pk, [e.pk for e in entries], site=site)
    return None


def _write_in_one_statement(competitor: Competitor, entries: list[Entry], site: str):
    """``_write_each`` on PostgreSQL: ``competitor``, its entries (in the events' order)
    and the job ``queue_job`` would write in one statement, unless the unique index on
    the names holds them already; then the known competitor is read.

    The index itself decides (``ON CONFLICT``), not a look-up planned beforehand: a
    prepared look-up's generic plan, made while the table was small, could scan every
    competitor of the competition for the names (docs/benchmarks.md, the seventh pass).
    A registration of the same names still in flight is waited for, then known."""
    values = [
        field.get_db_prep_save(getattr(competitor, field.attname), connection)
        for field in (Competitor._meta.get_field(n) for n in _COMPETITOR_COLUMNS)
    ]
    kwargs = OutboxJob._meta.get_field("kwargs").get_db_prep_save({"site": site}, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _WRITE_ALL,
            [
                *values,
                competitor.created_at,
                [e.event_id for e in entries],
                _CONFIRMATION,
                kwargs,
                competitor.created_at,
            ],
        )
        competitor_id, entry_ids, job_id = cursor.fetchone()
        if competitor_id is None:
            cursor.execute(_SAME_NAMES, _names(competitor))
            known = cursor.fetchone()
            if known is None:  # the row that held the names is gone again
                raise IntegrityError("the names were taken and released meanwhile")
            return known
    rows.saved([competitor], [competitor_id])
    for entry in entries:
        entry.competitor = competitor
    rows.saved(entries, entry_ids)
    relay_after_commit(job_id)
    return None


_WRITE_ALL = f"""
WITH competitor AS (
    INSERT INTO {Competitor._meta.db_table}
        ({", ".join(Competitor._meta.get_field(n).column for n in _COMPETITOR_COLUMNS)})
    VALUES ({", ".join(["%s"] * len(_COMPETITOR_COLUMNS))})
    ON CONFLICT (competition_id, LOWER(name), LOWER(partner_name)) DO NOTHING
    RETURNING id
), entry AS (
    INSERT INTO {Entry._meta.db_table} (event_id, competitor_id, status, withdrawn, created_at)
    SELECT event_id, competitor.id, '{EntryStatus.ENTERED.value}', false, %s
    FROM competitor, unnest(%s::bigint[]) AS event_id
    ORDER BY event_id
    RETURNING id
), job AS (
    INSERT INTO {OutboxJob._meta.db_table} (task_name, args, kwargs, created_at)
    SELECT %s, jsonb_build_array(competitor.id, (SELECT jsonb_agg(id ORDER BY id) FROM entry)),
        %s, %s
    FROM competitor
    RETURNING id
)
SELECT (SELECT id FROM competitor), (SELECT array_agg(id ORDER BY id) FROM entry),
    (SELECT id FROM job)
"""  # nosec B608: the models' own table and column names


def registration_submit(
    *,
    link: RegistrationLink,
    details: CompetitorDetails,
    event_ids: Sequence[int],
    events: list[Event] | None = None,
    now=None,
    site: str = "",
) -> RegistrationResult:
    """Register a couple, solo or group for one or more events, all or nothing.

    ``site`` is the address the request came in on, for the link in the email (SITE_URL
    wins when set). ``events``: the chosen events as ``registration_link_get`` read them.

    Each event either gives a place (conditional UPDATE of its counter), or puts the
    entry on its waiting list if it keeps one, or refuses the whole registration. The
    competition's window and capacity are taken in one conditional UPDATE of its row.
    """
    now = now or timezone.now()
    try:
        return _registration_submit(link, details, event_ids, events, now, site)
    except PlacesRefused:  # the competition's places, refused: why, once rolled back
        competition = link.competition
        competition.refresh_from_db()
        problem = registration_window_problem(competition, now)
    if problem:
        raise RegistrationRefused.single(problem, code=RegistrationRefused.UNAVAILABLE)
    raise capacity_reached(competition.name, competition.capacity)


@transaction.atomic
def _registration_submit(
    link: RegistrationLink,
    details: CompetitorDetails,
    event_ids: Sequence[int],
    events: list[Event] | None,
    now,
    site: str,
) -> RegistrationResult:
    competition = link.competition
    if link.kind != RegistrationLink.Kind.COMPETITOR:
        raise LinkRefused.single("This link is for judges, not competitors.")
    if problem := registration_window_problem(competition, now):
        raise RegistrationRefused.single(problem, code=RegistrationRefused.UNAVAILABLE)
    errors, events = registration_errors(
        competition=competition, details=details, event_ids=event_ids, events=events
    )
    if errors:
        raise RegistrationInvalid(errors)

    competitor, entries = _registration_write(_new_competitor(competition, details), events, site)
    if entries is None:
        return _registration_known(competitor, events, competition, site)

    # Then the places, as the last statement before COMMIT so the hot rows are held
    # briefly.
    _take_places(competition, entries, events, now)
    return RegistrationResult(competitor=competitor, entries=tuple(entries))


def _at_limit(event: Event) -> bool:
    """Every place taken, as the registration read the event."""
    return event.entry_limit is not None and event.entries_taken >= event.entry_limit


def _looked_full(event: Event) -> bool:
    """Full and with no waiting list, as the registration read the event."""
    return _at_limit(event) and not event.waiting_list


def _registration_known(
    competitor: Competitor, events: Sequence[Event], competition: Competition, site: str
) -> RegistrationResult:
    """Names and email registered already: an unauthenticated request changes nothing
    and learns nothing. It is refused only as a new registration would be (no room), and
    the reference goes to the address on file."""
    full = [e for e in events if _at_limit(e)]
    if no_list := [e.name for e in full if not e.waiting_list]:
        raise events_full(no_list)
    competition.refresh_from_db(fields=["capacity", "entries_taken"])
    places = len(events) - len(full)
    if (
        competition.capacity is not None
        and competition.entries_taken + places > competition.capacity
    ):
        raise capacity_reached(competition.name, competition.capacity)

    queue_job("competitions.send_registration_again", competitor.pk, site=site)
    return RegistrationResult(competitor=competitor, entries=(), created=False)


def registration_get(*, reference: str) -> Competitor:
    competitor = (
        Competitor.objects.select_related("competition").filter(reference=reference).first()
        if 16 <= len(reference) <= 32
        else None
    )
    if competitor is None:
        raise RegistrationRefused.single("There is no registration with this reference.")
    return competitor


def _take_places(
    competition: Competition, entries: list[Entry], events: Sequence[Event], now
) -> None:
    """A place in each event (or its waiting list), then in the competition: events in id
    order, then the competition (every writer locks in this order); refused when full.
    Refused for the competition: ``PlacesRefused`` (its reason is read after the
    rollback). On PostgreSQL the last event and the competition are one statement
    (``take_last_places``), sent with COMMIT when the transaction is the service's own."""
    if connection.vendor == "postgresql":
        *before, last = events
        taken = {event.pk for event in before if take_event_place(event)}
    else:
        taken, competition_taken = take_places(competition, events, now)
        before = events
    waiting: list[Entry] = []
    full: list[str] = []
    for entry, event in zip(entries, before, strict=False):
        if event.pk in taken:
            continue
        if event.waiting_list:
            waiting.append(entry)
        else:
            full.append(event.name)
    if full:
        if connection.vendor == "postgresql" and _looked_full(last):
            full.append(last.name)  # not tried: as the events were read, to name it too
        raise events_full(full)
    if waiting:
        Entry.objects.filter(pk__in=[e.pk for e in waiting]).update(status=EntryStatus.WAITING)
        for entry in waiting:
            entry.status = EntryStatus.WAITING
    if connection.vendor == "postgresql":
        try:
            waits = take_last_places(
                competition=competition, event=last, entry=entries[-1], before=len(taken), now=now
            )
        except PlacesRefused as refused:
            if refused.reason == PlacesRefused.EVENT:
                raise events_full([last.name]) from None
            raise
        if waits:
            entries[-1].status = EntryStatus.WAITING
    elif not competition_taken:
        raise PlacesRefused(PlacesRefused.COMPETITION)
