from django.contrib.auth.models import AbstractUser

from accounts.roles import Role


class User(AbstractUser):
    """A person who signs in: organizer, scrutineer, chairman, judge or competitor.

    Roles are groups (see ``accounts.roles.Role``), so a person may hold several.
    """

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()
