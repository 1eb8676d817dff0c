"""A competitor's registration: the window, the details, the places taken, waiting lists,
and the answer to a registration sent again."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from competitions.models import (
    Competition,
    CompetitionStatus,
    Competitor,
    Entry,
    EntryKind,
    EntryStatus,
    Event,
    RegistrationLink,
)
from competitions.registration.places import take_competition_places, take_event_place
from competitions.registration.refusals import LinkRefused, RegistrationRefused, check_name


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


def _queue_after_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the job ``task_name`` once the transaction commits (never for a rolled-back one).

    Jobs are looked up by name in Celery's registry, as a worker does: the jobs
    (``competitions.tasks``, registered when the app is ready) call these services, so
    the services do not import them back.
    """
    transaction.on_commit(lambda: current_app.tasks[task_name].delay(*args, **kwargs), robust=True)


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


def _validate_details(
    details: CompetitorDetails, events: Sequence[Event], competition: Competition
) -> None:
    errors: dict[str, list[str]] = {}
    if details.kind not in EntryKind.values:
        raise RegistrationRefused.single("Choose couple, solo or group.", "kind")
    label = "group's name" if details.kind == EntryKind.GROUP else "name"
    check_name(
        details.name, "name", label if details.kind != EntryKind.COUPLE else "leader's name", errors
    )
    if details.kind == EntryKind.COUPLE:
        check_name(details.partner_name, "partner_name", "partner's name", errors)
    elif details.partner_name.strip():
        errors.setdefault("partner_name", []).append("Only a couple has a partner.")
    if details.kind == EntryKind.GROUP:
        for member in details.members:
            check_name(member, "members", "members' names", errors)
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
    *,
    link: RegistrationLink,
    details: CompetitorDetails,
    event_ids: Sequence[int],
    now=None,
    site: str = "",
) -> RegistrationResult:
    """Register a couple, solo or group for one or more events, all or nothing.

    ``site`` is the address the request came in on, for the link in the email (SITE_URL
    wins when set).

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
        return _registration_known(competitor, events, competition, site)

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
        if take_event_place(event):
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
    if not take_competition_places(competition, len(entries) - len(waiting), now):
        competition.refresh_from_db()
        problem = registration_window_problem(competition, now)
        raise RegistrationRefused.single(
            problem
            or f"{competition.name} has reached its capacity of {competition.capacity} entries.",
            code=RegistrationRefused.UNAVAILABLE,
        )

    _queue_after_commit(
        "competitions.send_registration_confirmation",
        competitor.pk,
        [e.pk for e in entries],
        site=site,
    )
    return RegistrationResult(competitor=competitor, entries=tuple(entries))


def _registration_known(
    competitor: Competitor, events: Sequence[Event], competition: Competition, site: str
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

    _queue_after_commit("competitions.send_registration_again", competitor.pk, site=site)
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
