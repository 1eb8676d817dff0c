"""The roles of Podium. Each is a group; its permissions are set by a data migration."""

from django.db import models


class Role(models.TextChoices):
    ORGANIZER = "organizer", "Organizer"
    SCRUTINEER = "scrutineer", "Scrutineer"
    CHAIRMAN = "chairman", "Chairman of adjudicators"
    JUDGE = "judge", "Judge"
    ANNOUNCER = "announcer", "Announcer (MC)"
    COMPETITOR = "competitor", "Competitor"


# The roles a judge's account may hold: a tablet code signs it in, so it opens nothing more.
JUDGE_ACCOUNT_ROLES = (Role.JUDGE, Role.COMPETITOR)
JUDGE_ACCOUNT_REFUSAL = (
    "A judge's account must be a judge-only account: not staff, not a superuser, holding "
    "no role but judge (or competitor) and no permissions of its own."
)


def judge_account_allowed(user) -> bool:
    """Whether ``user`` may be a judge's account (see ``JUDGE_ACCOUNT_REFUSAL``)."""
    if user.is_staff or user.is_superuser:
        return False
    if user.pk is None:
        return True
    allowed = [role.value for role in JUDGE_ACCOUNT_ROLES]
    return not (user.groups.exclude(name__in=allowed).exists() or user.user_permissions.exists())
