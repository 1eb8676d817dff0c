"""Reusable queries about people."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from accounts.roles import JUDGE_ACCOUNT_ROLES


def judge_account_list() -> QuerySet[User]:
    """The accounts a judge may be linked to (``accounts.roles.judge_account_allowed``)."""
    other_roles = User.groups.through.objects.filter(user=OuterRef("pk")).exclude(
        group__name__in=[role.value for role in JUDGE_ACCOUNT_ROLES]
    )
    own_permissions = User.user_permissions.through.objects.filter(user=OuterRef("pk"))
    return User.objects.filter(is_staff=False, is_superuser=False).exclude(
        Exists(other_roles) | Exists(own_permissions)
    )
