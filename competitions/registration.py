"""Registration: links, entries that never oversell, waiting lists, judge sign-ups,
withdrawals, and what happens when registration closes (bibs, round plans, draws).

Capacity is held by counters on the event and the competition rows. A place is taken
by one conditional statement under READ COMMITTED,

    UPDATE competitions_event SET entries_taken = entries_taken + 1
    WHERE id = %s AND (entry_limit IS NULL OR entries_taken < entry_limit)

which PostgreSQL re-evaluates on the latest row version when it waited for another
writer, so no number of simultaneous registrations can take more places than the
limit (docs/benchmarks.md, "Before Podium", has the measurements). CHECK
constraints (``entries_taken <= entry_limit``) back it up. Rows are always locked in
the same order, events by id and then the competition, so writers never deadlock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from competitions.models import (
    BibOrder,
    Competition,
    CompetitionStatus,
    Competitor,
    Entry,
    EntryKind,
    EntryStatus,
    Event,
    HeatEntry,
    IdempotencyKey,
    Judge,
    JudgeApplication,
    RegistrationLink,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
)
from competitions.services import (
    TransitionRefused,
    competition_transition,
    round_draw_heats,
    round_heat_count,
)
from competitions.timetable import day_start, timetable_sync

NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’\-.][^\W\d_]*)*$")


class RegistrationRefused(Exception):
    """A registration that cannot be accepted; ``errors`` maps a field (or ``"__all__"``)
    to the messages that say what to fix."""

    INVALID = "invalid"  # the request needs fixing
    UNAVAILABLE = "unavailable"  # full, closed, or already entered: the request was fine

    def __init__(self, errors: dict[str, list[str]], code: str = INVALID):
        self.errors = errors
        self.code = code
        super().__init__("; ".join(m for messages in errors.values() for m in messages))

    @classmethod
    def single(
        cls, message: str, field: str = "__all__", code: str = INVALID
    ) -> RegistrationRefused:
        return cls({field: [message]}, code=code)


class LinkRefused(RegistrationRefused):
    """The link is unknown or of the other kind (``invalid``), or revoked or expired
    (``gone``)."""

    GONE = "gone"


# --- Links -----------------------------------------------------------------------------


def link_create(
    *,
    competition: Competition,
    kind: str,
    actor: User | None,
    expires_at=None,
    label: str = "",
) -> RegistrationLink:
    if kind not in RegistrationLink.Kind.values:
        raise RegistrationRefused.single(f"“{kind}” is not a kind of link.", "kind")
    if expires_at is not None and expires_at <= timezone.now():
        raise RegistrationRefused.single("The expiry must be in the future.", "expires_at")
    return RegistrationLink.objects.create(
        competition=competition,
        kind=kind,
        token=secrets.token_urlsafe(24),
        expires_at=expires_at,
        label=label,
        created_by=actor,
    )


def link_revoke(*, link: RegistrationLink) -> RegistrationLink:
    RegistrationLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    link.refresh_from_db()
    return link


def link_get_valid(*, token: str, kind: str | None = None) -> RegistrationLink:
    """The live link for ``token`` (of ``kind``, if given); refused the same way whether
    unknown or tampered."""
    link = (
        RegistrationLink.objects.select_related("competition").filter(token=token).first()
        if 16 <= len(token) <= 64
        else None
    )
    if link is None or (kind is not None and link.kind != kind):
        raise LinkRefused.single(
            "This registration link is not valid. Check it was copied in full, or ask the "
            "organizer for a new one."
        )
    if link.revoked_at is not None:
        raise LinkRefused.single(
            "This registration link has been withdrawn by the organizer; ask them for a new one.",
            code=LinkRefused.GONE,
        )
    if link.expires_at is not None and link.expires_at <= timezone.now():
        expired = timezone.localtime(link.expires_at)
        raise LinkRefused.single(
            f"This registration link expired on {expired:%d %b %Y %H:%M}.", code=LinkRefused.GONE
        )
    return link


# --- Competitor registration --------------------------------------------------------------


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


def _queue_after_commit(task_name: str, *args: Any) -> None:
    """Queue the job ``task_name`` once the transaction commits (never for a rolled-back one).

    Jobs are looked up by name in Celery's registry, as a worker does: the jobs
    (``competitions.tasks``, registered when the app is ready) call these services, so
    the services do not import them back.
    """
    transaction.on_commit(lambda: current_app.tasks[task_name].delay(*args), robust=True)


def registration_window_problem(competition: Competition, now=None) -> str | None:
    """Why registrations cannot be taken now, or None."""
    now = now or timezone.now()
    if competition.status != CompetitionStatus.REGISTRATION_OPEN:
        return f"Registration for {competition.name} is not open."
    if competition.registration_opens_at and now < competition.registration_opens_at:
        opens = timezone.localtime(competition.registration_opens_at)
        return f"Registration for {competition.name} opens on {opens:%d %b %Y at %H:%M}."
    if competition.registration_closes_at and now >= competition.registration_closes_at:
        closed = timezone.localtime(competition.registration_closes_at)
        return f"Registration for {competition.name} closed on {closed:%d %b %Y at %H:%M}."
    return None


def _check_name(value: str, field_name: str, label: str, errors: dict) -> None:
    value = value.strip()
    letters = sum(ch.isalpha() for ch in value)
    if not value:
        errors.setdefault(field_name, []).append(f"Enter the {label}.")
    elif len(value) > 100 or letters < 2 or not NAME_PATTERN.match(value):
        errors.setdefault(field_name, []).append(
            f"Enter the {label} as written on an entry form: letters, spaces, hyphens and "
            "apostrophes only, at most 100 characters."
        )


def _validate_details(
    details: CompetitorDetails, events: Sequence[Event], competition: Competition
) -> None:
    errors: dict[str, list[str]] = {}
    if details.kind not in EntryKind.values:
        raise RegistrationRefused.single("Choose couple, solo or group.", "kind")
    label = "group's name" if details.kind == EntryKind.GROUP else "name"
    _check_name(
        details.name, "name", label if details.kind != EntryKind.COUPLE else "leader's name", errors
    )
    if details.kind == EntryKind.COUPLE:
        _check_name(details.partner_name, "partner_name", "partner's name", errors)
    elif details.partner_name.strip():
        errors.setdefault("partner_name", []).append("Only a couple has a partner.")
    if details.kind == EntryKind.GROUP:
        for member in details.members:
            _check_name(member, "members", "members' names", errors)
    elif details.members:
        errors.setdefault("members", []).append("Only a group lists its members.")
    if details.country and not re.fullmatch(r"[A-Z]{2,3}", details.country):
        errors.setdefault("country", []).append(
            "Use the country's ISO code in capitals, e.g. GB, DE or USA."
        )
    if len(details.club) > 200:
        errors.setdefault("club", []).append(
            "The club's name is too long (200 characters at most)."
        )
    if not events:
        errors.setdefault("events", []).append("Choose at least one event.")
    year = competition.starts_on.year
    for name, birth_year in (
        ("birth_year", details.birth_year),
        ("partner_birth_year", details.partner_birth_year),
    ):
        if birth_year is not None and not year - 100 <= birth_year <= year - 3:
            errors.setdefault(name, []).append(f"{birth_year} is not a plausible year of birth.")
    for event in events:
        if event.entry_kind != details.kind:
            errors.setdefault("events", []).append(
                f"“{event.name}” is for {EntryKind(event.entry_kind).label.lower()} entries, "
                f"not {EntryKind(details.kind).label.lower()} ones."
            )
        if event.min_age is None and event.max_age is None:
            continue
        people = [("birth_year", details.birth_year)]
        if details.kind == EntryKind.COUPLE:
            people.append(("partner_birth_year", details.partner_birth_year))
        for field_name, birth_year in people:
            if birth_year is None:
                errors.setdefault(field_name, []).append(
                    f"“{event.name}” has an age group: give the year of birth."
                )
                continue
            age = year - birth_year
            if (event.min_age is not None and age < event.min_age) or (
                event.max_age is not None and age > event.max_age
            ):
                errors.setdefault("events", []).append(
                    f"“{event.name}” is for ages {event.min_age or 0}–{event.max_age or '…'} in "
                    f"{year}; someone born in {birth_year} is {age}."
                )
    if errors:
        raise RegistrationRefused({k: list(dict.fromkeys(v)) for k, v in errors.items()})


def _take_event_place(event: Event) -> bool:
    """One conditional UPDATE: take a place if the event has room. True if taken."""
    return bool(
        Event.objects.filter(pk=event.pk)
        .filter(Q(entry_limit__isnull=True) | Q(entries_taken__lt=F("entry_limit")))
        .update(entries_taken=F("entries_taken") + 1)
    )


def _take_competition_places(competition: Competition, count: int, now) -> bool:
    """One conditional UPDATE: the window is open and the competition has room for
    ``count`` more entries. True if taken."""
    if count == 0:
        window = Competition.objects.filter(pk=competition.pk)
    else:
        window = Competition.objects.filter(pk=competition.pk).filter(
            Q(capacity__isnull=True) | Q(entries_taken__lte=F("capacity") - count)
        )
    window = window.filter(status=CompetitionStatus.REGISTRATION_OPEN).filter(
        Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now),
        Q(registration_closes_at__isnull=True) | Q(registration_closes_at__gt=now),
    )
    return bool(window.update(entries_taken=F("entries_taken") + count))


def _competitor_for(
    competition: Competition, details: CompetitorDetails
) -> tuple[Competitor, bool]:
    """The competitor these details name (and whether it is new). LOWER() on both sides,
    so PostgreSQL uses the unique index on the lower-cased names."""
    existing = (
        Competitor.objects.annotate(lower_name=Lower("name"), lower_partner=Lower("partner_name"))
        .filter(
            competition=competition,
            lower_name=Lower(Value(details.name.strip())),
            lower_partner=Lower(Value(details.partner_name.strip())),
        )
        .first()
    )
    if existing is not None:
        if existing.kind != details.kind or (
            existing.email.casefold() != details.email.strip().casefold()
        ):
            raise RegistrationRefused.single(
                "Competitors with these names are already registered. If that is you, "
                "register with the same email address as before.",
                "name",
            )
        return existing, False
    competitor = Competitor(
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
    )
    try:
        with transaction.atomic():
            competitor.save()
    except IntegrityError:
        # Registered a moment ago by a simultaneous request with the same names.
        raise RegistrationRefused.single(
            "Competitors with these names were registered a moment ago. If that was you, "
            "check your email for the confirmation.",
            "name",
            code=RegistrationRefused.UNAVAILABLE,
        ) from None
    return competitor, True


@transaction.atomic
def registration_submit(
    *, link: RegistrationLink, details: CompetitorDetails, event_ids: Sequence[int], now=None
) -> RegistrationResult:
    """Register a couple, solo or group for one or more events, all or nothing.

    Each event either gives a place (conditional UPDATE of its counter), or puts the
    entry on its waiting list if it keeps one, or refuses the whole registration. The
    competition's window and capacity are taken in one conditional UPDATE of its row.
    """
    now = now or timezone.now()
    competition = link.competition
    if link.kind != RegistrationLink.Kind.COMPETITOR:
        raise LinkRefused.single("This link is for judges, not competitors.")
    if problem := registration_window_problem(competition, now):
        raise RegistrationRefused.single(problem, code=RegistrationRefused.UNAVAILABLE)
    unique_ids = sorted(set(event_ids))
    if len(unique_ids) != len(event_ids):
        raise RegistrationRefused.single("An event is chosen twice.", "events")
    events = list(Event.objects.filter(competition=competition, pk__in=unique_ids).order_by("pk"))
    if len(events) != len(unique_ids):
        raise RegistrationRefused.single(
            "One of the chosen events is not part of this competition.", "events"
        )
    _validate_details(details, events, competition)

    competitor, created = _competitor_for(competition, details)
    if not created:
        return _registration_known(competitor, events, competition)

    # The entries first, while no hot row is locked yet; the unique index settles a
    # simultaneous duplicate.
    try:
        with transaction.atomic():
            entries = Entry.objects.bulk_create(
                Entry(event=event, competitor=competitor, status=EntryStatus.ENTERED)
                for event in events
            )
    except IntegrityError:
        raise RegistrationRefused.single(
            "This entry was made a moment ago by a simultaneous registration.",
            "events",
            code=RegistrationRefused.UNAVAILABLE,
        ) from None

    # Then the places, as the last statements before COMMIT so the hot rows are held
    # briefly: events in id order, then the competition (every writer locks in this order).
    waiting: list[Entry] = []
    full: list[str] = []
    for entry, event in zip(entries, events, strict=True):
        if _take_event_place(event):
            continue
        if event.waiting_list:
            waiting.append(entry)
        else:
            full.append(event.name)
    if full:
        raise RegistrationRefused.single(
            "Full, with no waiting list: " + ", ".join(f"“{n}”" for n in full) + ".",
            "events",
            code=RegistrationRefused.UNAVAILABLE,
        )
    if waiting:
        Entry.objects.filter(pk__in=[e.pk for e in waiting]).update(status=EntryStatus.WAITING)
        for entry in waiting:
            entry.status = EntryStatus.WAITING
    if not _take_competition_places(competition, len(entries) - len(waiting), now):
        competition.refresh_from_db()
        problem = registration_window_problem(competition, now)
        raise RegistrationRefused.single(
            problem
            or f"{competition.name} has reached its capacity of {competition.capacity} entries.",
            code=RegistrationRefused.UNAVAILABLE,
        )

    _queue_after_commit(
        "competitions.send_registration_confirmation", competitor.pk, [e.pk for e in entries]
    )
    return RegistrationResult(competitor=competitor, entries=tuple(entries))


def _registration_known(
    competitor: Competitor, events: Sequence[Event], competition: Competition
) -> RegistrationResult:
    """Names and email registered already: an unauthenticated request changes nothing
    and learns nothing. It is refused only as a new registration would be (no room), and
    the reference goes to the address on file."""
    full = [e for e in events if e.entry_limit is not None and e.entries_taken >= e.entry_limit]
    if no_list := [e.name for e in full if not e.waiting_list]:
        raise RegistrationRefused.single(
            "Full, with no waiting list: " + ", ".join(f"“{n}”" for n in no_list) + ".",
            "events",
            code=RegistrationRefused.UNAVAILABLE,
        )
    competition.refresh_from_db(fields=["capacity", "entries_taken"])
    places = len(events) - len(full)
    if (
        competition.capacity is not None
        and competition.entries_taken + places > competition.capacity
    ):
        raise RegistrationRefused.single(
            f"{competition.name} has reached its capacity of {competition.capacity} entries.",
            code=RegistrationRefused.UNAVAILABLE,
        )

    _queue_after_commit("competitions.send_registration_again", competitor.pk)
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


# --- Entries added, removed or withdrawn by the organizer ------------------------------------


@transaction.atomic
def entry_add(*, event: Event, competitor: Competitor) -> Entry:
    """An organizer adds an entry by hand: the same conditional place-taking as
    registration, without the window (organizers take late entries)."""
    if Entry.objects.filter(event=event, competitor=competitor).exists():
        raise RegistrationRefused.single(f"Already entered in “{event.name}”.", "event")
    if not _take_event_place(event):
        raise RegistrationRefused.single(
            f"“{event.name}” is full ({event.entry_limit} entries): raise its limit first.", "event"
        )
    updated = (
        Competition.objects.filter(pk=event.competition_id)
        .filter(Q(capacity__isnull=True) | Q(entries_taken__lt=F("capacity")))
        .update(entries_taken=F("entries_taken") + 1)
    )
    if not updated:
        raise RegistrationRefused.single(
            "The competition has reached its capacity: raise it first.", "event"
        )
    entry = Entry(event=event, competitor=competitor)
    entry.full_clean()
    entry.save()
    return entry


def _release_place(entry: Entry) -> None:
    Event.objects.filter(pk=entry.event_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )
    Competition.objects.filter(pk=entry.event.competition_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )


def _event_started(event: Event) -> bool:
    return event.rounds.exclude(status=RoundStatus.PLANNED).exists()


def _promote_waiting(event: Event) -> Entry | None:
    """Give a freed place to the first entry on the waiting list, if any."""
    first = (
        Entry.objects.select_for_update(of=("self",))
        .filter(event=event, status=EntryStatus.WAITING, withdrawn=False)
        .order_by("created_at", "id")
        .first()
    )
    if first is None or not _take_event_place(event):
        return None
    Competition.objects.filter(pk=event.competition_id).update(entries_taken=F("entries_taken") + 1)
    first.status = EntryStatus.ENTERED
    first.save(update_fields=["status"])
    return first


@transaction.atomic
def entry_remove(*, entry: Entry) -> None:
    """Delete an entry made by mistake, before its event has started."""
    entry = Entry.objects.select_related("event").get(pk=entry.pk)
    if _event_started(entry.event):
        raise RegistrationRefused.single(
            "The event has started: withdraw the entry instead, so its marks stay on record."
        )
    holds_place = entry.status == EntryStatus.ENTERED and not entry.withdrawn
    entry.delete()
    if holds_place:
        _release_place(entry)
        _promote_waiting(entry.event)


@dataclass
class WithdrawalResult:
    entry: Entry
    rebalanced: bool = False
    promoted: Entry | None = None


@transaction.atomic
def entry_withdraw(*, entry: Entry, actor: User | None = None) -> WithdrawalResult:
    """Withdraw an entry.

    Before its round opens, the entry leaves the heats of every planned round, which
    are rebalanced (one entry moves from the largest heat to the smallest until sizes
    differ by at most one), and its place goes to the first on the waiting list.
    After the round opened, it stays in the heat and the marks, flagged as withdrawn:
    judges cannot mark it and the desk sees it.
    """
    entry = Entry.objects.select_for_update(of=("self",)).select_related("event").get(pk=entry.pk)
    if entry.withdrawn:
        raise RegistrationRefused.single("This entry has already withdrawn.")
    holds_place = entry.status == EntryStatus.ENTERED
    entry.withdrawn = True
    entry.save(update_fields=["withdrawn"])
    result = WithdrawalResult(entry=entry)
    planned = HeatEntry.objects.filter(entry=entry, heat__round__status=RoundStatus.PLANNED)
    touched_rounds = set(planned.values_list("heat__round_id", flat=True))
    planned.delete()
    for round_id in touched_rounds:
        result.rebalanced |= _rebalance(Round.objects.get(pk=round_id))
    if holds_place and not _event_started(entry.event):
        _release_place(entry)
        result.promoted = _promote_waiting(entry.event)
    return result


def _rebalance(round_: Round) -> bool:
    heats = list(round_.heats.all())
    moved = False
    while heats:
        sizes = dict(
            HeatEntry.objects.filter(heat__round=round_)
            .values("heat_id")
            .annotate(n=Count("id"))
            .values_list("heat_id", "n")
        )
        sizes = {heat.pk: sizes.get(heat.pk, 0) for heat in heats}
        largest = max(heats, key=lambda h: (sizes[h.pk], -h.number))
        smallest = min(heats, key=lambda h: (sizes[h.pk], h.number))
        if sizes[largest.pk] - sizes[smallest.pk] <= 1:
            break
        last = largest.heat_entries.order_by("-position", "-id").first()
        last.heat = smallest
        last.position = (smallest.heat_entries.aggregate(m=Max("position"))["m"] or 0) + 1
        last.save(update_fields=["heat", "position"])
        moved = True
    return moved


# --- Judges ----------------------------------------------------------------------------


@transaction.atomic
def judge_apply(
    *, link: RegistrationLink, name: str, letter_preference: str, email: str, phone: str
) -> JudgeApplication:
    if link.kind != RegistrationLink.Kind.JUDGE:
        raise LinkRefused.single("This link is for competitors, not judges.")
    errors: dict[str, list[str]] = {}
    _check_name(name, "name", "name", errors)
    letter = letter_preference.strip().upper()
    if letter and not re.fullmatch(r"[A-Z]{1,3}", letter):
        errors["letter_preference"] = ["A judge's letter is one to three letters, e.g. A or AB."]
    if not email.strip():
        errors["email"] = ["Give an email address, so the organizer can confirm you."]
    if phone and not re.fullmatch(r"\+?[0-9 ()\-]{6,20}", phone.strip()):
        errors["phone"] = ["Give the phone number with digits only, e.g. +44 7700 900123."]
    if errors:
        raise RegistrationRefused(errors)
    if JudgeApplication.objects.filter(
        competition=link.competition, email__iexact=email.strip()
    ).exists():
        raise RegistrationRefused.single(
            "A judge with this email address has already signed up.", "email"
        )
    return JudgeApplication.objects.create(
        competition=link.competition,
        link=link,
        name=name.strip(),
        letter_preference=letter,
        email=email.strip(),
        phone=phone.strip(),
    )


def _next_free_letter(taken: set[str]) -> str:
    for width in (1, 2, 3):
        for index in range(26**width):
            letters, n = "", index
            for _ in range(width):
                letters = chr(ord("A") + n % 26) + letters
                n //= 26
            if letters not in taken:
                return letters
    raise RegistrationRefused.single("No judge letters are left.")


@transaction.atomic
def judge_application_accept(*, application: JudgeApplication) -> Judge:
    """Make the applicant a judge of the competition, with their preferred letter if
    it is free (else the first free one). The organizer then seats them on panels."""
    application = JudgeApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != JudgeApplication.Status.PENDING:
        state = application.get_status_display().lower()
        raise RegistrationRefused.single(f"{application.name}'s application is already {state}.")
    Competition.objects.select_for_update().get(pk=application.competition_id)
    taken = set(
        Judge.objects.filter(competition_id=application.competition_id).values_list(
            "letter", flat=True
        )
    )
    letter = application.letter_preference
    if not letter or letter in taken:
        letter = _next_free_letter(taken)
    judge = Judge.objects.create(
        competition_id=application.competition_id,
        letter=letter,
        name=application.name,
        email=application.email,
        phone=application.phone,
    )
    application.status = JudgeApplication.Status.ACCEPTED
    application.judge = judge
    application.save(update_fields=["status", "judge"])
    return judge


@transaction.atomic
def judge_application_decline(*, application: JudgeApplication) -> JudgeApplication:
    updated = JudgeApplication.objects.filter(
        pk=application.pk, status=JudgeApplication.Status.PENDING
    ).update(status=JudgeApplication.Status.DECLINED)
    if not updated:
        raise RegistrationRefused.single("Only a pending application can be declined.")
    application.refresh_from_db()
    return application


# --- When registration closes ---------------------------------------------------------------


def plan_round_sizes(*, entries: int, final_size: int = 6, direct_final_max: int = 8) -> list[int]:
    """How many couples dance each round, first to final.

    A direct final when there are few entries; otherwise about half are recalled from
    each round (the largest ``final_size``·2^k that is at most 60 % of the round), down
    to a final of ``final_size``.
    """
    if entries < 1:
        return []
    if entries <= direct_final_max:
        return [entries]
    sizes = [entries]
    while sizes[-1] > direct_final_max:
        target = final_size
        while target * 2 <= 0.6 * sizes[-1]:
            target *= 2
        sizes.append(target)
    return sizes


def _round_kinds(count: int) -> list[str]:
    if count == 1:
        return [RoundKind.FINAL]
    if count == 2:
        return [RoundKind.SEMI_FINAL, RoundKind.FINAL]
    return (
        [RoundKind.FIRST]
        + [RoundKind.INTERMEDIATE] * (count - 3)
        + [
            RoundKind.SEMI_FINAL,
            RoundKind.FINAL,
        ]
    )


@transaction.atomic
def event_plan_rounds(*, event: Event) -> list[Round]:
    """Plan (or re-plan) the event's rounds from its number of entries. Allowed until
    the first round opens; the organizer may then edit the plan in the admin."""
    if _event_started(event):
        raise RegistrationRefused.single(
            f"“{event.name}” has started: its rounds can no longer be re-planned."
        )
    entered = event.entries.filter(status=EntryStatus.ENTERED, withdrawn=False).count()
    event.rounds.all().delete()
    if event.scoring_method == ScoringMethod.CRITERIA:
        sizes = [entered] if entered else []
    else:
        sizes = plan_round_sizes(
            entries=entered, final_size=event.final_size, direct_final_max=event.direct_final_max
        )
    kinds = _round_kinds(len(sizes)) if sizes else []
    return [
        Round.objects.create(
            event=event,
            position=position,
            kind=kind,
            recall_count=None if kind == RoundKind.FINAL else sizes[position],
        )
        for position, kind in enumerate(kinds, start=1)
    ]


@transaction.atomic
def competition_assign_bibs(*, competition: Competition, seed: int) -> int:
    """Give bib numbers to competitors with an entry and none yet. Returns how many."""
    competitors = list(
        Competitor.objects.filter(
            competition=competition,
            bib__isnull=True,
            entries__status=EntryStatus.ENTERED,
            entries__withdrawn=False,
        )
        .distinct()
        .order_by("created_at", "id")
    )
    if competition.bib_order == BibOrder.ALPHABETICAL:
        competitors.sort(key=lambda c: (c.name.casefold(), c.partner_name.casefold(), c.pk))
    elif competition.bib_order == BibOrder.RANDOM:
        # bandit: a seeded, repeatable bib draw (the seed is printed)
        random.Random(seed).shuffle(competitors)  # nosec B311
    else:
        first_event: dict[int, tuple[int, int]] = {}
        for competitor_id, position, event_id in Entry.objects.filter(
            competitor__in=competitors, withdrawn=False
        ).values_list("competitor_id", "event__position", "event_id"):
            first_event[competitor_id] = min(
                first_event.get(competitor_id, (position, event_id)), (position, event_id)
            )
        competitors.sort(key=lambda c: first_event[c.pk])  # stable: then by registration
    highest = Competitor.objects.filter(competition=competition).aggregate(m=Max("bib"))["m"]
    number = max(competition.bib_start, (highest or 0) + 1)
    for competitor in competitors:
        competitor.bib = number
        number += 1
    Competitor.objects.bulk_update(competitors, ["bib"])
    return len(competitors)


@dataclass
class ClosingReport:
    competition: Competition
    seed: int
    bibs_assigned: int = 0
    planned: dict[str, list[int]] = field(default_factory=dict)  # event name → round sizes
    drawn: dict[str, int] = field(default_factory=dict)  # event name → heats drawn


@transaction.atomic
def registration_close(
    *, competition: Competition, actor: User | None, seed: int | None = None
) -> ClosingReport:
    """Close registration: bibs, round plans for events that have none, and the draw
    of every first round still planned. The seed is recorded so the draw repeats."""
    seed = secrets.randbelow(2**31) if seed is None else seed
    if competition.status == CompetitionStatus.REGISTRATION_OPEN:
        competition_transition(
            competition=competition,
            to_status=CompetitionStatus.REGISTRATION_CLOSED,
            actor=actor,
            note=f"closing: draw seed {seed}",
        )
    elif competition.status != CompetitionStatus.REGISTRATION_CLOSED:
        raise TransitionRefused(
            f"{competition.name} is {competition.get_status_display().lower()}: "
            "registration can be closed only while it is open."
        )
    report = ClosingReport(competition=competition, seed=seed)
    report.bibs_assigned = competition_assign_bibs(competition=competition, seed=seed)
    for event in competition.events.order_by("position", "id"):
        if _event_started(event):
            continue
        rounds = list(event.rounds.order_by("position"))
        if not rounds:
            rounds = event_plan_rounds(event=event)
        report.planned[event.name] = [r.recall_count or 0 for r in rounds]
        first = rounds[0] if rounds else None
        entered = event.entries.filter(status=EntryStatus.ENTERED, withdrawn=False).count()
        if first is None or entered == 0:
            continue
        heat_count = round_heat_count(event=event, kind=first.kind, entries=entered)
        round_draw_heats(round=first, heat_count=heat_count, seed=seed)
        report.drawn[event.name] = heat_count
    timetable_sync(competition=competition)
    return report


# --- Idempotency ---------------------------------------------------------------------------


def request_fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The key was used before with a different request body (answer 422)."""


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any
    replayed: bool


@transaction.atomic
def idempotent_call(
    *, scope: str, key: str, fingerprint: str, call: Callable[[], tuple[int, Any]]
) -> StoredAnswer:
    """Run ``call`` once per (scope, key) and store its answer; replay it afterwards.

    The key row is inserted first: a simultaneous request with the same key waits on
    the unique index until the first commits, then replays its answer. ``call`` runs
    in a savepoint, so a refusal is stored (and replayed) while its writes roll back.
    """
    if not key or len(key) > 200:
        raise IdempotencyConflict("An idempotency key is 1 to 200 characters.")
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(scope=scope, key=key, fingerprint=fingerprint)
    except IntegrityError:
        record = IdempotencyKey.objects.get(scope=scope, key=key)
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict(
                "This idempotency key was already used with a different request."
            ) from None
        return StoredAnswer(record.response_status, record.response_body, replayed=True)
    status, body = call()
    record.response_status, record.response_body = status, body
    record.save(update_fields=["response_status", "response_body"])
    return StoredAnswer(status, body, replayed=False)


def idempotency_keys_expire(*, older_than_hours: int = 24) -> int:
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- Reminders --------------------------------------------------------------------------

# The reminder goes out 24 hours before the first heat of the first day.
REMINDER_LEAD = dt.timedelta(hours=24)


def competition_starts_at(competition: Competition) -> dt.datetime:
    return day_start(competition)


@transaction.atomic
def reminders_claim_due(*, now: dt.datetime) -> list[int]:
    """The competitors whose reminder is due now, each claimed once.

    A claim is a conditional UPDATE (``reminded_at IS NULL``), so two beats or workers
    never send the same reminder twice.
    """
    claimed: list[int] = []
    soon = Competition.objects.filter(
        status__in=[CompetitionStatus.REGISTRATION_OPEN, CompetitionStatus.REGISTRATION_CLOSED],
        starts_on__gte=(now - dt.timedelta(days=1)).date(),
        starts_on__lte=(now + REMINDER_LEAD + dt.timedelta(days=1)).date(),
    )
    for competition in soon:
        starts = competition_starts_at(competition)
        if not starts - REMINDER_LEAD <= now < starts:
            continue
        candidates = (
            Competitor.objects.filter(
                competition=competition, reminded_at__isnull=True, entries__withdrawn=False
            )
            .exclude(email="")
            .distinct()
            .values_list("pk", flat=True)
        )
        for competitor_id in candidates:
            if Competitor.objects.filter(pk=competitor_id, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                claimed.append(competitor_id)
    return claimed
