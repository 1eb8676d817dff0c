"""Registration links: created, revoked, and checked when someone comes through one."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from accounts.models import User
from competitions.models import Competition, Event, RegistrationLink
from competitions.registration.refusals import LinkRefused, RegistrationRefused
from scoring_site import rows


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
    found = _link_read(token) if 16 <= len(token) <= 64 else None
    return _link_check(found[0] if found else None, kind)


def link_get_valid_with_events(
    *, token: str, kind: str, event_ids: Sequence[int], event_fields: Sequence[str]
) -> tuple[RegistrationLink, list[Event]]:
    """``link_get_valid`` and the link's competition's events among ``event_ids`` (by id,
    with ``event_fields`` only), in the same statement: a registration's first read."""
    found = _link_read(token, event_ids, event_fields) if 16 <= len(token) <= 64 else None
    link = _link_check(found[0] if found else None, kind)
    return link, found[1]


def _link_check(link: RegistrationLink | None, kind: str | None) -> RegistrationLink:
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


def _link_read_sql(vendor: str, events: int, event_fields: tuple[str, ...]) -> str:
    """The statement for ``events`` event ids (placeholders, not values): composed once
    for the few events a registration chooses, each time for a list no form sends."""
    if events > 32:
        return _link_read_sql_composed(vendor, events, event_fields)
    return _link_read_sql_kept(vendor, events, event_fields)


def _link_read_sql_composed(vendor: str, events: int, event_fields: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {rows.columns('l', RegistrationLink)}, {rows.columns('c', Competition)}"
        + (f", {rows.columns('e', Event, event_fields)}" if events else "")
        + f" FROM {quote(RegistrationLink._meta.db_table)} l "  # nosec B608: models' names
        f"INNER JOIN {quote(Competition._meta.db_table)} c ON c.id = l.competition_id "
    )
    if events:
        sql += (
            f"LEFT JOIN {quote(Event._meta.db_table)} e ON e.competition_id = c.id "
            f"AND e.id IN ({', '.join(['%s'] * events)}) "
        )
    return sql + "WHERE l.token = %s" + (" ORDER BY e.id" if events else "")


_link_read_sql_kept = functools.lru_cache(maxsize=64)(_link_read_sql_composed)


def _link_read(
    token: str, event_ids: Sequence[int] = (), event_fields: Sequence[str] = ()
) -> tuple[RegistrationLink, list[Event]] | None:
    """The link with ``token`` and its competition, and its competition's events among
    ``event_ids``, in one statement written once: every registration reads them, and
    composing the statement cost more than running it (docs/benchmarks.md)."""
    event_fields = ("id", *(f for f in event_fields if f != "id"))  # id: is there a row
    with connection.cursor() as cursor:
        sql = _link_read_sql(connection.vendor, len(event_ids), tuple(event_fields))
        cursor.execute(sql, [*event_ids, token])
        found = cursor.fetchall()
    if not found:
        return None
    link_end = len(RegistrationLink._meta.concrete_fields)
    events_start = link_end + len(Competition._meta.concrete_fields)
    link = rows.from_row(RegistrationLink, found[0][:link_end])
    link.competition = rows.from_row(Competition, found[0][link_end:events_start])
    events = [
        rows.from_row(Event, row[events_start:], event_fields)
        for row in found
        if event_ids and row[events_start] is not None
    ]
    return link, events
