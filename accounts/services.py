"""Writes about people and their roles."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F

from accounts.models import User
from accounts.roles import Role


@transaction.atomic
def user_create_with_role(
    *, username: str, password: str | None, role: Role, email: str = "", **fields
) -> User:
    """Create (or update) a user holding ``role``. Staff status follows the role."""
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email, **fields})
    user.is_staff = role in (Role.ORGANIZER, Role.SCRUTINEER, Role.CHAIRMAN)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role.value))
    return user


@transaction.atomic
def user_tokens_revoke(*, user: User) -> None:
    """Every API token of ``user`` issued until now stops working (``accounts.tokens``)."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])
