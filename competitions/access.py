"""Who may act on which competition.

A permission comes from a role. A role group held site-wide (``accounts.roles.Role``)
grants its permissions on every competition, as does being a superuser; a
``CompetitionStaff`` assignment grants the same role's permissions on one competition
only. Services, pages, the API and the sockets all ask ``staff_can``.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import QuerySet

from competitions.models import Competition, CompetitionStaff

_CACHE = "_podium_competition_perms"


def _assigned(user) -> dict[int, frozenset[str]]:
    """The permissions each competition's assignments grant ``user``, read once per
    user object (one request, one socket)."""
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    roles: dict[int, set[str]] = {}
    for competition_id, role in CompetitionStaff.objects.filter(user=user).values_list(
        "competition_id", "role"
    ):
        roles.setdefault(competition_id, set()).add(role)
    granted: dict[str, set[str]] = {}
    if roles:
        every_role = set().union(*roles.values())
        for group, app, codename in Permission.objects.filter(
            group__name__in=every_role
        ).values_list("group__name", "content_type__app_label", "codename"):
            granted.setdefault(group, set()).add(f"{app}.{codename}")
    perms = {
        competition_id: frozenset().union(*(granted.get(r, set()) for r in held))
        for competition_id, held in roles.items()
    }
    setattr(user, _CACHE, perms)
    return perms


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def staff_can(user, permission: str, competition: Competition | int) -> bool:
    """Whether ``user`` holds ``permission`` on ``competition``."""
    if not _active(user):
        return False
    if user.has_perm(permission):
        return True
    competition_id = competition if isinstance(competition, int) else competition.pk
    return permission in _assigned(user).get(competition_id, frozenset())


def staff_can_somewhere(user, permission: str) -> bool:
    """Whether ``user`` holds ``permission`` on at least one competition."""
    if not _active(user):
        return False
    return user.has_perm(permission) or any(permission in p for p in _assigned(user).values())


def competitions_where(user, permission: str) -> QuerySet[Competition]:
    """The competitions on which ``user`` holds ``permission``."""
    if not _active(user):
        return Competition.objects.none()
    if user.has_perm(permission):
        return Competition.objects.all()
    ids = [pk for pk, perms in _assigned(user).items() if permission in perms]
    return Competition.objects.filter(pk__in=ids)
