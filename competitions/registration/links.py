"""Registration links: created, revoked, and checked when someone comes through one."""

from __future__ import annotations

import secrets

from django.utils import timezone

from accounts.models import User
from competitions.models import Competition, RegistrationLink
from competitions.registration.refusals import LinkRefused, RegistrationRefused


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
    # The token is unique: no ORDER BY (``first()`` would add one) for one row.
    found = (
        RegistrationLink.objects.select_related("competition").filter(token=token).order_by()[:1]
        if 16 <= len(token) <= 64
        else ()
    )
    link = next(iter(found), None)
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
