"""Registration links: created, revoked, and checked when someone comes through one."""

from __future__ import annotations

import functools
import secrets

from django.db import connection
from django.utils import timezone

from accounts.models import User
from competitions.models import Competition, RegistrationLink
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
    link = _link_read(token) if 16 <= len(token) <= 64 else None
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


@functools.cache
def _link_read_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {rows.columns('l', RegistrationLink)}, {rows.columns('c', Competition)} "
        f"FROM {quote(RegistrationLink._meta.db_table)} l "  # nosec B608: models' names
        f"INNER JOIN {quote(Competition._meta.db_table)} c ON c.id = l.competition_id "
        "WHERE l.token = %s"
    )


def _link_read(token: str) -> RegistrationLink | None:
    """The link with ``token`` and its competition, in one statement written once (every
    registration reads it; composed by the ORM, it cost a fifth of one)."""
    with connection.cursor() as cursor:
        cursor.execute(_link_read_sql(connection.vendor), [token])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(RegistrationLink._meta.concrete_fields)
    link = rows.from_row(RegistrationLink, row[:split])
    link.competition = rows.from_row(Competition, row[split:])
    return link
